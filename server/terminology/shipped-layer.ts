import { fileURLToPath } from 'node:url';
import { CONFORMANCE_TYPES, MapLayer, readDirectoryLayer } from './layers.js';
import { r4PackageLayer } from './package-layer.js';
import { ConformanceRegistry } from './registry.js';

/**
 * The conformance resources this project ships: our profiles (profiles/*.json, the PMS
 * StructureDefinitions) and terminology (terminology/*.json: value sets, code systems and
 * the v2 → FHIR concept maps). Read once per process.
 */

const ROOT = new URL('../../', import.meta.url);

let shipped: MapLayer | undefined;

export function shippedLayer(): MapLayer {
  if (shipped === undefined) {
    const layer = new MapLayer();
    for (const dir of ['profiles', 'terminology']) {
      const files = readDirectoryLayer(fileURLToPath(new URL(`${dir}/`, ROOT)));
      for (const type of CONFORMANCE_TYPES) for (const r of files.list(type)) layer.add(r);
    }
    shipped = layer;
  }
  return shipped;
}

/** A registry over what we ship and the R4 package, with an empty runtime layer. */
export function createRegistry(): ConformanceRegistry {
  return new ConformanceRegistry(r4PackageLayer(), shippedLayer());
}

/** The profiles we ship, by the type they constrain (published as CapabilityStatement supportedProfile). */
export function shippedProfiles(): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>();
  for (const sd of shippedLayer().list('StructureDefinition')) {
    const type = sd['type'];
    const url = sd['url'];
    if (sd['derivation'] !== 'constraint' || typeof type !== 'string' || typeof url !== 'string') continue;
    out.set(type, [...(out.get(type) ?? []), url].sort());
  }
  return out;
}
