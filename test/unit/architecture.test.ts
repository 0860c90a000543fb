import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering of README "Architecture", checked on every run (TypeScript 7 has no typescript-eslint yet).
const ROOT = new URL('../..', import.meta.url).pathname;

interface Import { file: string; spec: string; typeOnly: boolean }

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

function imports(dir: string): Import[] {
  return sources(dir).flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({
      file, spec: m[3]!, typeOnly: Boolean(m[2]),
    }));
  });
}

/**
 * Packages domain/ may import besides zod: pure computation over data they ship, no I/O, no Node
 * built-ins, so they run the same in the server and in the panel. Each one is a deliberate exception.
 */
const DOMAIN_PACKAGES = new Set([
  'zod',
  // identity.ts: phone numbers to E.164, with the numbering-plan metadata the package ships
  'libphonenumber-js/max',
  // password-strength.ts: the strength estimator and its dictionaries
  '@zxcvbn-ts/core', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en',
  // guide.ts: a product's Markdown guide as safe HTML, the same for the email, the order page and the panel
  'marked',
  // channels.ts: a partner's IP allow-list (addresses and CIDR networks), checked by the API and the panel's form alike
  'ipaddr.js',
]);

const offenders = (list: Import[], bad: (i: Import) => boolean) => list.filter(bad).map((i) => `${i.file} → ${i.spec}${i.typeOnly ? ' (type)' : ''}`);

describe('module boundaries', () => {
  it('workflows/ stays deterministic: no Node built-ins, I/O packages, infra/ or api/, and only types from activities/', () => {
    expect(offenders(imports('workflows'), (i) =>
      /^node:|^(fs|path|crypto|os|child_process|pg)$|^@prisma\/|\/infra\/|\/api\/|\/prisma\//.test(i.spec) || (/\/activities\//.test(i.spec) && !i.typeOnly),
    )).toEqual([]);
  });

  it('domain/ is pure: nothing but itself, the pure packages above, and Temporal types', () => {
    expect(offenders(imports('domain'), (i) => !(i.spec.startsWith('./') || DOMAIN_PACKAGES.has(i.spec) || (i.spec.startsWith('@temporalio/') && i.typeOnly)))).toEqual([]);
  });

  it('api/ messages workflows and never runs activities itself', () => {
    expect(offenders(imports('api'), (i) => /\/activities\//.test(i.spec) || (/\/workflows\//.test(i.spec) && !/\/workflows\/messages\.js$/.test(i.spec) && !i.typeOnly))).toEqual([]);
  });

  it('infra/ depends on no layer above it, except the message definitions and types of the workflows it starts (order-runs.ts)', () => {
    expect(offenders(imports('infra'), (i) =>
      /\/(api|activities|worker)\//.test(i.spec) || (/\/workflows\//.test(i.spec) && !/\/workflows\/messages\.js$/.test(i.spec) && !i.typeOnly),
    )).toEqual([]);
  });

  it('activities/ and worker/ do not reach into the HTTP layer', () => {
    expect(offenders([...imports('activities'), ...imports('worker')], (i) => /\/api\//.test(i.spec))).toEqual([]);
  });

  it('the panel talks to the server over HTTP only (types and pure schemas from domain/ excepted)', () => {
    expect(offenders(imports('admin/src'), (i) => /^\.\.\/(\.\.\/)+(api|infra|activities|workflows|worker|prisma)\//.test(i.spec))).toEqual([]);
  });
});
