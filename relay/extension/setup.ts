import { resolve } from 'node:path';
import type { RelayConfig } from '../config';
import type { Logger } from '../log';
import { FirefoxPackage } from './firefox-package';
import { FleetExtension } from './fleet-extension';
import { loadSigningKey, type ExtensionIdentity } from './signing-key';

/** The signing key the options name: the operator's file, which must exist, or the data directory's, made on first use. */
export function signingKeyOf(config: Pick<RelayConfig, 'dataDir' | 'extensionKeyFile'>): ExtensionIdentity {
  return loadSigningKey(config.extensionKeyFile || resolve(config.dataDir, 'extension-signing-key.pem'), !config.extensionKeyFile);
}

/**
 * The fleet's extension as the options say: the operator's key file (which must exist), or the data directory's
 * (made on first start); the builds given, or the ones beside the relay; signed copies in the data directory; the
 * admin's Mozilla-signed XPI when there is one.
 */
export function fleetExtension(
  config: Pick<RelayConfig, 'dataDir' | 'extensionKeyFile' | 'extensionBuildDir' | 'firefoxBuildDir' | 'firefoxSignedXpi'>,
  defaultBuildDirs: { chromium: string; firefox: string },
  logger: Logger,
): FleetExtension {
  const identity = signingKeyOf(config);
  return new FleetExtension({
    buildDir: config.extensionBuildDir || defaultBuildDirs.chromium,
    outDir: resolve(config.dataDir, 'extension'),
    identity,
    firefox: new FirefoxPackage({
      buildDir: config.firefoxBuildDir || defaultBuildDirs.firefox,
      addonId: identity.firefox.id,
      signedXpi: config.firefoxSignedXpi,
      logger,
    }),
    logger,
  });
}
