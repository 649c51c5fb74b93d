import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OPTIONS } from '../relay/config';

/**
 * The relay's options as an environment file, every one named with its default and what it is for, from the one
 * option table (config.ts): the systemd unit's EnvironmentFile and the Kubernetes ConfigMap start from it, so that an
 * option added to the relay is in both. `set` gives the values a way of running needs; the rest stay commented out.
 * Written by `npm run packaging` (this file); a test checks that the files in packaging/ are what it writes.
 */
export function environmentFile(title: string, set: Record<string, string> = {}): string {
  const lines = [
    `# ${title}`,
    '# Generated from the relay\'s option table by "npm run packaging": edit a copy, not this file.',
    '# Each variable may instead name a file holding its value, as <variable>_FILE.',
    '',
  ];
  for (const option of Object.values(OPTIONS)) {
    lines.push(...wrap(option.description).map((l) => `# ${l}`));
    lines.push(option.env in set ? `${option.env}=${set[option.env]}` : `#${option.env}=${option.default}`, '');
  }
  const unknown = Object.keys(set).filter((name) => !Object.values(OPTIONS).some((o) => o.env === name));
  if (unknown.length > 0) throw new Error(`not relay options: ${unknown.join(', ')}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

function wrap(text: string, width = 116): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** What each way of running sets, beside the unit's and the manifests' own lines. */
export const PACKAGED_ENVIRONMENTS = {
  'packaging/systemd/relay.env': environmentFile('Guardmail relay options for the systemd unit: installed as /etc/guardmail/relay.env, root-only (0600).'),
  'packaging/kubernetes/base/relay.env': environmentFile(
    'Guardmail relay options for Kubernetes: the ConfigMap guardmail-relay is made from this file (kustomization.yaml).',
    { GUARDMAIL_HOST: '0.0.0.0', GUARDMAIL_BEHIND_TLS_PROXY: 'true' },
  ),
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  for (const [file, text] of Object.entries(PACKAGED_ENVIRONMENTS)) {
    writeFileSync(join(root, file), text);
    console.log(`wrote ${file}`);
  }
}
