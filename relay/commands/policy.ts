import type { RelayConfig } from '../config';
import { fleetPolicy, type PolicyBrowser, type PolicyPlatform } from '../domain/fleet-policy';
import { policyInput } from '../extension/addresses';
import { signingKeyOf } from '../extension/setup';
import { AccessTokens, tokenRows } from '../storage/access-tokens';
import { loadKeyring } from '../storage/secret-box';
import { ENROLLMENT_TOKEN_SECRET, keptEnrollmentToken, SecretStore } from '../storage/secrets';
import { openDatabase } from '../storage/sqlite/db';
import { SqliteSql } from '../storage/sqlite/sql';

/**
 * `policy <platform> [browser]`: the file that force-installs and enrols the extension, for stdout. The relay's URL is its
 * public URL, else the address it listens on; the token is the environment's, else the one the relay keeps sealed.
 */
export async function writePolicy(config: RelayConfig, platform: PolicyPlatform, browser: PolicyBrowser): Promise<{ body: Buffer; note: string }> {
  const identity = signingKeyOf(config);
  const sql = new SqliteSql(openDatabase(config.dataDir));
  try {
    const kept = await new SecretStore(loadKeyring(config.dataDir, config).box).get(sql, ENROLLMENT_TOKEN_SECRET);
    const enrollmentToken = config.enrollmentToken ?? keptEnrollmentToken(kept, await AccessTokens.load(tokenRows(sql)));
    if (!enrollmentToken)
      throw new Error('the relay keeps only a hash of its enrollment token: give it in GUARDMAIL_ENROLLMENT_TOKEN (first-start-tokens.txt has it)');
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const relayUrl = config.publicUrl || `${config.tls ? 'https' : 'http'}://${host}:${config.port}`;
    const file = fleetPolicy(platform, policyInput(identity, relayUrl, enrollmentToken), browser);
    const note = config.publicUrl
      ? ''
      : `guardmail-relay: no --public-url, so the policy points browsers at ${relayUrl}; set it to the https:// URL they reach.\n`;
    return { body: file.body, note };
  } finally {
    sql.close();
  }
}
