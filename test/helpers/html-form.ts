/**
 * Reads the forms of a server-rendered page and builds the body a browser would
 * post (HTML Living Standard, "constructing the entry list"): text, hidden and
 * password inputs with their values, only checked checkboxes and radios, and the
 * name/value of the submit button that was pressed. Enough for our own login and
 * consent pages; not a general HTML parser.
 */

export interface FormControl {
  readonly tag: 'input' | 'button' | 'select' | 'textarea';
  readonly type: string;
  readonly name: string;
  readonly value: string;
  readonly checked: boolean;
}

export interface HtmlForm {
  readonly method: string;
  /** The action as written in the page (relative to the page's URL). */
  readonly action: string;
  readonly controls: readonly FormControl[];
}

function decode(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([a-zA-Z-]+)(?:="([^"]*)")?/g)) out.set((m[1] ?? '').toLowerCase(), decode(m[2] ?? ''));
  return out;
}

function control(tagName: string, attrs: string): FormControl | undefined {
  const a = attributes(attrs);
  const name = a.get('name');
  if (name === undefined) return undefined;
  const tag = tagName.toLowerCase() as FormControl['tag'];
  const type = (a.get('type') ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase();
  const value = a.get('value') ?? (type === 'checkbox' || type === 'radio' ? 'on' : '');
  return { tag, type, name, value, checked: a.has('checked') };
}

/** Every form of the page, in document order. */
export function parseForms(html: string): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map((m) => {
    const a = attributes(m[1] ?? '');
    const controls = [...(m[2] ?? '').matchAll(/<(input|button|select|textarea)\b([^>]*)>/gi)]
      .map((c) => control(c[1] ?? '', c[2] ?? ''))
      .filter((c): c is FormControl => c !== undefined);
    return { method: (a.get('method') ?? 'get').toLowerCase(), action: a.get('action') ?? '', controls };
  });
}

/** The form holding a control with this name (e.g. "password" for the sign-in form). */
export function formWith(html: string, controlName: string): HtmlForm {
  const form = parseForms(html).find((f) => f.controls.some((c) => c.name === controlName));
  if (form === undefined) throw new Error(`no form with a "${controlName}" field in page: ${html.slice(0, 300)}`);
  return form;
}

export interface Submission {
  /** Values the user typed, by field name. */
  readonly fill?: Readonly<Record<string, string>>;
  /** Checkbox/radio values the user ticked or unticked, by "name=value". */
  readonly check?: readonly string[];
  readonly uncheck?: readonly string[];
  /** The submit button pressed, by its value (default: the first submit button, as pressing Enter does). */
  readonly button?: string;
}

/** The entry list a browser posts for this form. */
export function submission(form: HtmlForm, s: Submission = {}): URLSearchParams {
  const body = new URLSearchParams();
  const check = new Set(s.check ?? []);
  const uncheck = new Set(s.uncheck ?? []);
  const submits = form.controls.filter((c) => c.type === 'submit');
  const pressed = s.button === undefined ? submits[0] : submits.find((c) => c.value === s.button);
  if (s.button !== undefined && pressed === undefined) throw new Error(`no submit button with value "${s.button}"`);
  for (const c of form.controls) {
    const key = `${c.name}=${c.value}`;
    if (c.type === 'submit') {
      if (c === pressed) body.append(c.name, c.value);
    } else if (c.type === 'checkbox') {
      if ((c.checked || check.has(key)) && !uncheck.has(key)) body.append(c.name, c.value);
    } else if (c.type === 'radio') {
      // Ticking one radio of a group unticks the others.
      const groupTicked = [...check].some((k) => k.startsWith(`${c.name}=`));
      if (groupTicked ? check.has(key) : c.checked) body.append(c.name, c.value);
    } else body.append(c.name, s.fill?.[c.name] ?? c.value);
  }
  return body;
}
