import type { RelayConfig } from '../config';
import { fleetPolicy, type PolicyPlatform } from '../domain/fleet-policy';
import { signingKeyOf } from '../extension/setup';
import { AccessTokens } from '../storage/access-tokens';
import { openDatabase } from '../storage/db';
import { loadKeyring } from '../storage/secret-box';
import { ENROLLMENT_TOKEN_SECRET, keptEnrollmentToken, SecretStore } from '../storage/secret-store';

/**
 * `policy <platform>`: the file that force-installs and enrols the extension, for stdout. The relay's URL is its
 * public URL, else the address it listens on; the token is the environment's, else the one the relay keeps sealed.
 */
export function writePolicy(config: RelayConfig, platform: PolicyPlatform): { body: Buffer; note: string } {
  const identity = signingKeyOf(config);
  const db = openDatabase(config.dataDir);
  try {
    const enrollmentToken = config.enrollmentToken ?? keptEnrollmentToken(new SecretStore(db, loadKeyring(config.dataDir, config).box).get(ENROLLMENT_TOKEN_SECRET), AccessTokens.load(db));
    if (!enrollmentToken) throw new Error('the relay keeps only a hash of its enrollment token: give it in GUARDMAIL_ENROLLMENT_TOKEN (first-start-tokens.txt has it)');
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const relayUrl = config.publicUrl || `${config.tls ? 'https' : 'http'}://${host}:${config.port}`;
    const file = fleetPolicy(platform, { extensionId: identity.id, updateUrl: `${relayUrl}/extension/updates.xml`, relayUrl, enrollmentToken });
    const note = config.publicUrl ? '' : `guardmail-relay: no --public-url, so the policy points browsers at ${relayUrl}; set it to the https:// URL they reach.\n`;
    return { body: file.body, note };
  } finally {
    db.close();
  }
}
