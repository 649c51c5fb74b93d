import { resolve } from 'node:path';
import type { RelayConfig } from '../config';
import type { Logger } from '../log';
import { FleetExtension } from './fleet-extension';
import { loadSigningKey, type ExtensionIdentity } from './signing-key';

/** The signing key the options name: the operator's file, which must exist, or the data directory's, made on first use. */
export function signingKeyOf(config: Pick<RelayConfig, 'dataDir' | 'extensionKeyFile'>): ExtensionIdentity {
  return loadSigningKey(config.extensionKeyFile || resolve(config.dataDir, 'extension-signing-key.pem'), !config.extensionKeyFile);
}

/**
 * The fleet's extension as the options say: the operator's key file (which must exist), or the data directory's
 * (made on first start); the build given, or the one beside the relay; signed copies in the data directory.
 */
export function fleetExtension(
  config: Pick<RelayConfig, 'dataDir' | 'extensionKeyFile' | 'extensionBuildDir'>,
  defaultBuildDir: string,
  logger: Logger,
): FleetExtension {
  return new FleetExtension({
    buildDir: config.extensionBuildDir || defaultBuildDir,
    outDir: resolve(config.dataDir, 'extension'),
    identity: signingKeyOf(config),
    logger,
  });
}
