import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path'
import type { ProvisionFields } from './config-document.ts'
import { ProvisionError } from './errors.ts'

/** What the server answered to a successful enrolment (the password stays in memory and in the credentials file). */
export interface Enrolment {
  username: string
  password: string
  mqttUrl: string
  siteId: string
}

/** --gateway, else the config's gateway.id, else there is nobody to enrol (exit 2). */
export function gatewayIdFor(requested: string | undefined, current: ProvisionFields, configFile: string): string {
  const gatewayId = requested ?? current.gatewayId
  if (gatewayId === undefined) {
    throw new ProvisionError('GATEWAY_ID_MISSING', `no gateway id: ${configFile} has no gateway.id; give one with --gateway ID (letters, digits, - _ .)`)
  }
  return gatewayId
}

/** Where the credentials go: the config's uplink.credentialsFile if it names one, else NAME.credentials.json beside the config. */
export function credentialsLocation(configFile: string, current: ProvisionFields): { written: string; path: string } {
  const written = current.credentialsFile ?? `${basename(configFile, extname(configFile))}.credentials.json`
  return { written, path: nearConfig(configFile, written) }
}

/** A path of the config as the agent reads it: relative to the config's folder. */
export const nearConfig = (configFile: string, path: string): string => (isAbsolute(path) ? path : resolve(dirname(configFile), path))

/** How the config names a file: relative when it lies in the config's folder or below, else absolute. */
export function pathForConfig(configFile: string, path: string): string {
  const from = relative(dirname(configFile), path)
  return from.startsWith('..') || isAbsolute(from) ? path : from
}

/**
 * The config fields after an enrolment: the gateway, the reply's site and broker URL, the
 * credentials file, and the CA when one was given and the broker speaks TLS (over plain mqtt:// it
 * verified only the server's HTTPS, and the config's own caFile stays).
 */
export function fieldsAfterEnrolment(options: {
  configFile: string
  current: ProvisionFields
  gatewayId: string
  enrolment: Pick<Enrolment, 'mqttUrl' | 'siteId'>
  caFile?: string
}): ProvisionFields {
  const { configFile, current, gatewayId, enrolment, caFile } = options
  const tls = enrolment.mqttUrl.startsWith('mqtts:')
  return {
    gatewayId,
    site: enrolment.siteId,
    url: enrolment.mqttUrl,
    credentialsFile: credentialsLocation(configFile, current).written,
    ...(tls && caFile !== undefined && { caFile: sameFile(configFile, current.caFile, caFile) ? current.caFile : pathForConfig(configFile, caFile) }),
  }
}

const sameFile = (configFile: string, written: string | undefined, path: string) => written !== undefined && nearConfig(configFile, written) === path

/**
 * The login to try before spending the token: the config names this gateway, its site, a broker and
 * a credentials file (and, when --ca was given for an mqtts broker, that CA). If it signs in, the
 * gateway is provisioned already. Undefined: provisioning is needed.
 */
export function existingProvisioning(configFile: string, current: ProvisionFields, gatewayId: string, caFile: string | undefined):
  { site: string; url: string; credentialsFile: string; caFile?: string } | undefined {
  const { site, url, credentialsFile } = current
  if (current.gatewayId !== gatewayId || site === undefined || url === undefined || credentialsFile === undefined) return undefined
  const configCa = current.caFile === undefined ? undefined : nearConfig(configFile, current.caFile)
  if (caFile !== undefined && url.startsWith('mqtts:') && configCa !== caFile) return undefined
  return { site, url, credentialsFile: nearConfig(configFile, credentialsFile), ...(configCa !== undefined && { caFile: configCa }) }
}
