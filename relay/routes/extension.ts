import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { ENROLLMENT_TOKEN_HEADER, type DeploymentAnswer } from '../../shared/api';
import type { AppDeps, AppEnv } from '../deps';
import { fleetPolicy, POLICY_BROWSERS, POLICY_PLATFORMS, type PolicyBrowser, type PolicyPlatform } from '../domain/fleet-policy';
import { FIREFOX_INSTALL_PATH, policyInput, UPDATES_JSON_PATH, UPDATES_XML_PATH } from '../extension/addresses';
import { PackingLimited, type FirefoxXpi } from '../extension/firefox-package';
import { ApiError } from '../http/api-error';
import { auditBy } from '../http/auth';
import { ownOrigin } from '../http/origin';

type Deps = Pick<AppDeps, 'extension' | 'publicUrl' | 'accessTokens' | 'enrollmentToken' | 'audit'>;

/** The relay's URL as browsers reach it: the configured public URL, else the one this request came in by. */
const baseUrl = (deps: Deps, c: Context<AppEnv>) => ownOrigin(c, deps.publicUrl);

const xmlAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

async function packed(deps: Deps) {
  const current = await deps.extension?.current();
  if (!current) throw new ApiError('EXTENSION_NOT_BUILT');
  return current;
}

async function firefoxXpi(deps: Deps, c: Context<AppEnv>): Promise<FirefoxXpi> {
  const xpi = await deps.extension?.firefox?.xpiFor(baseUrl(deps, c)).catch((err: unknown) => {
    if (!(err instanceof PackingLimited)) throw err;
    c.header('Retry-After', String(Math.ceil(err.retryAfterMs / 1000)));
    throw new ApiError('RATE_LIMITED', { message: 'The relay packed the Firefox add-on for too many addresses lately: configure --public-url.' });
  });
  if (!xpi) throw new ApiError('EXTENSION_NOT_BUILT', { message: 'The relay has no Firefox build to serve.' });
  return xpi;
}

const xpiResponse = (c: Context<AppEnv>, xpi: FirefoxXpi, cacheControl: string) => {
  c.header('Cache-Control', cacheControl);
  return c.body(new Uint8Array(xpi.bytes), 200, { 'Content-Type': 'application/x-xpinstall' });
};

/**
 * What managed browsers fetch, without a token: Google's update manifest (gupdate, protocol 2.0) naming the current
 * version, and the CRX3 it points to. Neither holds a secret; the enrollment token reaches browsers through policy.
 */
export function extensionRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get(UPDATES_XML_PATH, async (c) => {
    const { version, crxName } = await packed(deps);
    const id = deps.extension!.identity.id;
    // The address may come from the request's Host header: escaped, it cannot leave the attribute.
    const codebase = xmlAttribute(`${baseUrl(deps, c)}/extension/${crxName}`);
    c.header('Cache-Control', 'no-cache');
    return c.body(
      `<?xml version='1.0' encoding='UTF-8'?>\n<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>\n  <app appid='${id}'>\n    <updatecheck codebase='${codebase}' version='${version}' />\n  </app>\n</gupdate>\n`,
      200,
      { 'Content-Type': 'application/xml; charset=utf-8' },
    );
  });
  // Firefox's update manifest (extensionworkshop.com, "Updating your extension": updates.json). The hash lets Firefox
  // check what it downloads; it needs one when the link is not https (toolkit/mozapps/extensions AddonUpdateChecker).
  routes.get(UPDATES_JSON_PATH, async (c) => {
    const base = baseUrl(deps, c);
    const xpi = await firefoxXpi(deps, c);
    c.header('Cache-Control', 'no-cache');
    return c.json({
      addons: {
        [deps.extension!.firefox!.addonId]: { updates: [{ version: xpi.version, update_link: `${base}/extension/${xpi.name}`, update_hash: xpi.hash }] },
      },
    });
  });
  // The policy's install_url: the current version at one address, never cached, since a new install takes whatever is current.
  routes.get(FIREFOX_INSTALL_PATH, async (c) => xpiResponse(c, await firefoxXpi(deps, c), 'no-store'));
  routes.get('/extension/:file', async (c) => {
    if (c.req.param('file').endsWith('.xpi')) {
      const xpi = await firefoxXpi(deps, c);
      if (c.req.param('file') !== xpi.name) throw new ApiError('NOT_FOUND', { message: `This relay serves ${xpi.name}.` });
      return xpiResponse(c, xpi, 'public, max-age=3600');
    }
    const current = await packed(deps);
    if (c.req.param('file') !== current.crxName) throw new ApiError('NOT_FOUND', { message: `This relay serves ${current.crxName}.` });
    // Named by version, but a rebuild of the same version (or a new key) changes it: kept an hour, not for ever.
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(Readable.toWeb(createReadStream(current.crxFile)) as ReadableStream, 200, { 'Content-Type': 'application/x-chrome-extension' });
  });
  return routes;
}

/** Admin API: who the fleet's extension is, and the policy that installs it. */
export function deploymentRoutes(deps: Deps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/deployment', async (c) => {
    const identity = deps.extension?.identity;
    if (!identity) throw new ApiError('EXTENSION_NOT_BUILT');
    const current = await deps.extension!.current();
    const base = baseUrl(deps, c);
    const xpi = await deps.extension!.firefox?.xpiFor(base).catch((err: unknown) => {
      if (err instanceof PackingLimited) return null;
      throw err;
    });
    const answer: DeploymentAnswer = {
      extensionId: identity.id,
      origin: identity.origin,
      redirectUrl: identity.redirectUrl,
      updateUrl: `${base}${UPDATES_XML_PATH}`,
      version: current?.version ?? null,
      firefox: {
        extensionId: identity.firefox.id,
        redirectUrl: identity.firefox.redirectUrl,
        installUrl: `${base}${FIREFOX_INSTALL_PATH}`,
        updateUrl: `${base}${UPDATES_JSON_PATH}`,
        version: xpi?.version ?? null,
        signed: xpi?.signed ?? false,
      },
      enrollmentTokenKnown: (await deps.enrollmentToken()) !== null,
      platforms: [...POLICY_PLATFORMS],
      browsers: [...POLICY_BROWSERS],
    };
    return c.json(answer);
  });
  routes.get('/deployment/policy', async (c) => {
    const platform = c.req.query('platform') ?? '';
    if (!(POLICY_PLATFORMS as readonly string[]).includes(platform)) {
      throw new ApiError('VALIDATION_FAILED', { field: 'platform', message: `platform: must be one of ${POLICY_PLATFORMS.join(', ')}.` });
    }
    const browser = c.req.query('browser') ?? 'chromium';
    if (!(POLICY_BROWSERS as readonly string[]).includes(browser)) {
      throw new ApiError('VALIDATION_FAILED', { field: 'browser', message: `browser: must be one of ${POLICY_BROWSERS.join(', ')}.` });
    }
    const identity = deps.extension?.identity;
    if (!identity) throw new ApiError('EXTENSION_NOT_BUILT');
    const given = c.req.header(ENROLLMENT_TOKEN_HEADER);
    if (given !== undefined && !deps.accessTokens.verify('enrollment', given)) throw new ApiError('ENROLLMENT_TOKEN_WRONG', { field: 'enrollmentToken' });
    const enrollmentToken = given ?? (await deps.enrollmentToken());
    if (!enrollmentToken) throw new ApiError('ENROLLMENT_TOKEN_UNKNOWN', { field: 'enrollmentToken' });
    const file = fleetPolicy(platform as PolicyPlatform, policyInput(identity, baseUrl(deps, c), enrollmentToken), browser as PolicyBrowser);
    await deps.audit.record('deployment.policy-written', { platform, browser }, auditBy(c));
    return c.body(new Uint8Array(file.body), 200, {
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename="${file.fileName}"`,
      'Cache-Control': 'no-store',
    });
  });
  return routes;
}
