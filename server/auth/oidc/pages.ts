/**
 * The sign-in and consent pages: plain server-rendered HTML forms that work
 * without JavaScript, with real labels, a logical tab order, visible focus and
 * no colour-only cues (WCAG 2.1 AA habits), in words a patient understands.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1.05rem;line-height:1.5;margin:0;background:#f4f6f8;color:#1b1f24}
main{max-width:34rem;margin:2rem auto;background:#fff;padding:1.5rem 2rem;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.5rem;margin-top:0}
label{display:block;font-weight:600;margin-top:1rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:1rem;padding:.5rem;border:2px solid #5a6570;border-radius:4px}
fieldset{border:1px solid #c5ccd3;border-radius:6px;margin-top:1rem;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:flex;gap:.6rem;align-items:flex-start;margin:.5rem 0;font-weight:normal}
.choice input{flex:none;margin-top:.35rem;width:1.1rem;height:1.1rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:4px;border:2px solid #0b4f8a;margin-top:1.5rem;margin-right:.75rem;cursor:pointer}
button.primary{background:#0b4f8a;color:#fff}
button.secondary{background:#fff;color:#0b4f8a}
:focus-visible{outline:3px solid #e08a00;outline-offset:2px}
.error{border-left:4px solid #b00020;background:#fdecee;padding:.5rem 1rem;margin:1rem 0}
.hint{color:#4a525a;font-size:.95rem}
ul.fixed{padding-left:1.2rem}
`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function errorBox(error: string | undefined): string {
  return error === undefined ? '' : `<div class="error" role="alert"><strong>Problem:</strong> ${escapeHtml(error)}</div>`;
}

export interface LoginPage {
  readonly action: string;
  readonly clientName: string;
  readonly username?: string;
  readonly error?: string;
}

export function loginPage(p: LoginPage): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p><strong>${escapeHtml(p.clientName)}</strong> wants to use your health record. Sign in to continue.</p>
${errorBox(p.error)}
<form method="post" action="${escapeHtml(p.action)}">
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus value="${escapeHtml(p.username ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<label for="code">Authenticator code <span class="hint">(only if you set one up)</span></label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" aria-describedby="code-hint">
<p id="code-hint" class="hint">The 6-digit code from your authenticator app.</p>
<button type="submit" class="primary">Sign in</button>
</form>
<form method="post" action="${escapeHtml(p.action.replace(/\/login$/, '/abort'))}">
<button type="submit" class="secondary">Cancel</button>
</form>`,
  );
}

export interface ScopeChoice {
  readonly scope: string;
  readonly text: string;
}

export interface PatientOption {
  readonly id: string;
  readonly label: string;
}

export interface ConsentPage {
  readonly action: string;
  readonly clientName: string;
  readonly userName: string;
  /** Data access the user may untick. */
  readonly choices: readonly ScopeChoice[];
  /** What else the app gets (sign-in details, launch context), shown as a list. */
  readonly fixed: readonly string[];
  /** Patient picker for staff (launch/patient or patient/ scopes without a launch). */
  readonly patients?: readonly PatientOption[];
  /** When the patient is already known (EHR launch, or the patient themself). */
  readonly patientText?: string;
  readonly error?: string;
}

function patientPicker(p: ConsentPage): string {
  if (p.patientText !== undefined) return `<p><strong>Patient:</strong> ${escapeHtml(p.patientText)}</p>`;
  if (p.patients === undefined) return '';
  const options = p.patients
    .map(
      (o, i) =>
        `<label class="choice"><input type="radio" name="patient" value="${escapeHtml(o.id)}" id="patient-${i}"${i === 0 ? ' required' : ''}> <span>${escapeHtml(o.label)}</span></label>`,
    )
    .join('\n');
  return `<fieldset>
<legend>Which patient's record should the app open?</legend>
${options === '' ? '<p class="hint">No recent patients.</p>' : options}
<label for="patient-id">Or type the patient's record id</label>
<input type="text" id="patient-id" name="patient_id" autocomplete="off">
</fieldset>`;
}

export function consentPage(p: ConsentPage): string {
  const choices = p.choices
    .map(
      (c, i) =>
        `<label class="choice"><input type="checkbox" name="scope" value="${escapeHtml(c.scope)}" id="scope-${i}" checked> <span>${escapeHtml(c.text)}</span></label>`,
    )
    .join('\n');
  const fixed = p.fixed.map((f) => `<li>${escapeHtml(f)}</li>`).join('\n');
  return layout(
    'Allow access?',
    `<h1>Allow ${escapeHtml(p.clientName)} to use your record?</h1>
<p>Signed in as <strong>${escapeHtml(p.userName)}</strong>.</p>
${errorBox(p.error)}
<form method="post" action="${escapeHtml(p.action)}">
${patientPicker(p)}
${choices === '' ? '' : `<fieldset>\n<legend>The app asks to:</legend>\n${choices}\n<p class="hint">Untick anything you do not want to share.</p>\n</fieldset>`}
${fixed === '' ? '' : `<p>The app will also be able to:</p>\n<ul class="fixed">\n${fixed}\n</ul>`}
<p class="hint">You can withdraw this permission at any time by asking the clinic to revoke the app's access.</p>
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Do not allow</button>
</form>`,
  );
}

export function messagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);
}

export function logoutPage(form: string, clientName: string | undefined): string {
  return layout(
    'Sign out',
    `<h1>Sign out${clientName === undefined ? '' : ` of ${escapeHtml(clientName)}`}?</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  );
}
