import { existsSync } from 'node:fs'
import { gatewayClientId } from '../../../protocols/mqtt/index.ts'
import { InvalidInputError } from '../../../protocols/validation/index.ts'
import { parseConfig } from '../config/load.ts'
import { readCaFile, readCredentials, type Credentials } from '../uplink/index.ts'
import { changedKeys, configDocument, provisionFields, withProvisionFields, type ProvisionFields } from './config-document.ts'
import { enrol } from './enrol.ts'
import { ProvisionError } from './errors.ts'
import { checkWritable, readCaCertificate, readConfigFile, replaceFile } from './files.ts'
import type { ProvisionInputs } from './inputs.ts'
import { loginFailure } from './login-check.ts'
import { credentialsLocation, existingProvisioning, fieldsAfterEnrolment, gatewayIdFor, nearConfig } from './plan.ts'
import { generateSigningKey } from '../../../protocols/commissioning/index.ts'
import { readSigningKey, signingKeyNear } from '../commission/signing-key.ts'

const SECRET_MODE = 0o600

/**
 * `edge-agent provision`: what can be checked first is (arguments, config, CA, files writable); a
 * gateway already provisioned this way is left alone (the token unspent); else the token is
 * exchanged, the credentials and the config written, and the MQTT login tried. Returns the one line
 * saying what was done; throws ProvisionError or InvalidInputError (the config's problems), in which
 * case nothing was written — except when only the final login fails: the enrolment is done and its
 * credentials are kept, since the spent token cannot fetch them again.
 */
export async function provision(inputs: ProvisionInputs): Promise<string> {
  const { configFile } = inputs
  const config = readConfigFile(configFile)
  const document = configDocument(config.text)
  if (document === undefined) throw configProblems(configFile, config.text)
  const current = provisionFields(document)
  const gatewayId = gatewayIdFor(inputs.gatewayId, current, configFile)
  const ca = inputs.caFile !== undefined ? readCaCertificate(inputs.caFile) : undefined
  checkConfigAfter(configFile, config.text, current, gatewayId, inputs)
  const credentials = credentialsLocation(configFile, current)
  checkWritable(configFile, credentials.path)

  const existing = existingProvisioning(configFile, current, gatewayId, inputs.caFile)
  let notSignedIn: string | undefined
  // a credentials file that is not there yet: nothing to try, and nothing to tell
  if (existing !== undefined && existsSync(existing.credentialsFile)) {
    notSignedIn = await loginWith(existing.url, gatewayClientId(existing.site, gatewayId), () => readCredentials(existing.credentialsFile), () => (existing.caFile === undefined ? undefined : readCaFile(existing.caFile)))
    if (notSignedIn === undefined) {
      return `already provisioned: gateway ${gatewayId} of site ${existing.site}, credentials in ${existing.credentialsFile}, MQTT login to ${existing.url} works; the token was not used`
    }
  }

  // the key that signs commissioning runs: kept when there is one, else new; written only once enrolled
  const keyPath = signingKeyNear(credentials.path)
  const signingKey = existsSync(keyPath) ? { ...readSigningKey(keyPath), created: false } : { ...generateSigningKey(), created: true }
  let enrolment
  try {
    enrolment = await enrol(inputs.server, { token: inputs.token, gatewayId, signingKey: signingKey.publicKey, ...(current.site !== undefined && { siteId: current.site }) }, ca)
  } catch (error) {
    if (error instanceof ProvisionError && notSignedIn !== undefined) {
      throw new ProvisionError(error.code, `${error.message} (the credentials the config names did not sign in: ${notSignedIn})`)
    }
    throw error
  }
  if (current.site !== undefined && enrolment.siteId !== current.site) {
    // a server that does not take siteId enrolled the gateway at the token's site before anyone could check
    throw new ProvisionError('WRONG_SITE', `the token was for site ${enrolment.siteId}, but ${configFile} names site ${current.site}; the server enrolled gateway ${gatewayId} at ${enrolment.siteId} all the same, nothing was written here: ask for a token of site ${current.site}`)
  }

  const wanted = fieldsAfterEnrolment({ configFile, current, gatewayId, enrolment, ...(inputs.caFile !== undefined && { caFile: inputs.caFile }) })
  // the credentials first: the config never names a file that is not there
  replaceFile(credentials.path, `${JSON.stringify({ username: enrolment.username, password: enrolment.password })}\n`, SECRET_MODE)
  if (signingKey.created) replaceFile(keyPath, signingKey.privateKeyPem, SECRET_MODE)
  const changed = changedKeys(current, wanted)
  if (changed.length > 0) replaceFile(configFile, withProvisionFields(config.text, wanted), config.mode, config.owner)

  const clientId = gatewayClientId(enrolment.siteId, gatewayId)
  const brokerCa = wanted.caFile ?? current.caFile
  const done = `gateway ${gatewayId} enrolled at site ${enrolment.siteId}: credentials written to ${credentials.path} (mode 0600), signing key ${signingKey.created ? 'written to' : 'kept in'} ${keyPath} and registered, ${changed.length > 0 ? `${configFile}: ${changed.join(', ')} set` : `${configFile} unchanged`}`
  const failure = await loginWith(enrolment.mqttUrl, clientId, () => enrolment, () => (brokerCa === undefined ? undefined : readCaFile(nearConfig(configFile, brokerCa))))
  if (failure !== undefined) {
    throw new ProvisionError('LOGIN_FAILED', `${done}; but the MQTT login to ${enrolment.mqttUrl} as ${clientId} failed: ${failure}. The credentials are kept (the token is spent); once the broker accepts it, edge-agent provision run again says "already provisioned"`)
  }
  return `provisioned ${done}; MQTT login to ${enrolment.mqttUrl} as ${clientId} works`
}

async function loginWith(url: string, clientId: string, credentials: () => Credentials, ca: () => Buffer | undefined): Promise<string | undefined> {
  let login: { credentials: Credentials; ca: Buffer | undefined }
  try {
    login = { credentials: credentials(), ca: ca() }
  } catch (error) {
    return (error as Error).message
  }
  return loginFailure({ url, clientId, credentials: login.credentials, ...(login.ca !== undefined && { ca: login.ca }) })
}

/**
 * The config must be valid once provisioning filled in its part. The file's own problems are
 * reported (their lines are the file's) unless provisioning's values alone would mend them.
 */
function checkConfigAfter(configFile: string, text: string, current: ProvisionFields, gatewayId: string, inputs: ProvisionInputs): void {
  if (parseConfig(configFile, text).config !== undefined) return
  const provisional = fieldsAfterEnrolment({
    configFile, current, gatewayId,
    enrolment: { siteId: current.site ?? 'provisional-site', mqttUrl: current.url ?? 'mqtts://provisional.invalid:8883' },
    ...(inputs.caFile !== undefined && { caFile: inputs.caFile }),
  })
  if (parseConfig(configFile, withProvisionFields(text, provisional)).config === undefined) throw configProblems(configFile, text)
}

function configProblems(configFile: string, text: string): InvalidInputError {
  const { problems } = parseConfig(configFile, text)
  return new InvalidInputError('CONFIG_INVALID', problems.length > 0 ? problems : [{ file: configFile, line: 1, column: 1, path: '', message: `${text.length === 0 ? 'empty' : 'not'} a gateway config map` }])
}
