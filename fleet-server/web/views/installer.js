// The installer's view: each assigned site with its gateways (enrolled, online, agent version), its
// devices by regulatory system, the required systems no device reports for yet, and one-time
// enrolment tokens (new gateway, or replacing a gateway's credentials) shown once with a QR code.
import { h, table } from '../dom.js'
import { t, tOr } from '../i18n/index.js'
import { formatTime } from '../format.js'
/** @typedef {import('../api.js').EnrollTokenReply} EnrollTokenReply */
/** @typedef {import('../api.js').Gateway} Gateway */
/** @typedef {import('../api.js').InstallerSite} InstallerSite */
/** @typedef {import('../api.js').InstallerSystem} InstallerSystem */
/**
 * A token being minted for a site, minted (kept until the installer closes it: the server shows it only
 * once), or refused.
 * @typedef {{ status: 'minting' } | { status: 'minted', token: EnrollTokenReply } | { status: 'failed', message: string }} MintState
 */
/**
 * @typedef {object} InstallerActions
 * @property {(siteId: string, replace?: string) => void} onMint
 * @property {(siteId: string) => void} onDismiss
 */

const dash = () => t('value.none')
const systemName = (/** @type {string | null} */ system) => (system === null ? t('installer.noSystem') : tOr('system', system))

/**
 * The QR code the server drew (an SVG document), as an element of this page: parsed as SVG, never as
 * HTML, so it carries no script. Null when it is not an SVG.
 * @param {string} text
 */
function qrCode(text) {
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement
  if (parsed.namespaceURI !== 'http://www.w3.org/2000/svg' || parsed.localName !== 'svg') return null
  const svg = /** @type {Element} */ (document.importNode(parsed, true))
  svg.setAttribute('role', 'img')
  svg.setAttribute('aria-label', t('installer.qrLabel'))
  return svg
}

/**
 * @param {string} siteId
 * @param {MintState | undefined} mint
 * @param {InstallerActions} actions
 */
function mintPanel(siteId, mint, actions) {
  if (mint === undefined) return null
  if (mint.status === 'minting') return h('p', { 'data-testid': 'mint-status', role: 'status' }, t('installer.minting'))
  if (mint.status === 'failed') return h('p', { 'data-testid': 'mint-status', role: 'alert', class: 'warn' }, t('installer.mintFailed', { message: mint.message }))
  const { token } = mint
  return h('div', { class: 'minted', 'data-testid': 'minted-token', role: 'region', 'aria-label': t('installer.tokenHeading') },
    h('h4', {}, t('installer.tokenHeading')),
    token.replaces && h('p', {}, t('installer.tokenReplaces', { gateway: token.replaces })),
    h('dl', {},
      h('dt', {}, t('installer.shortCode')), h('dd', {}, h('code', { class: 'short-code', 'data-testid': 'short-code' }, token.shortCode)),
      h('dt', {}, t('installer.expires')), h('dd', { 'data-testid': 'token-expires' }, formatTime(Date.parse(token.expiresAt))),
      h('dt', {}, t('installer.token')), h('dd', {}, h('code', { 'data-testid': 'token' }, token.token)),
      h('dt', {}, t('installer.command')), h('dd', {}, h('code', { 'data-testid': 'provision-command' }, token.provisionCommand))),
    h('div', { class: 'qr', 'data-testid': 'qr' }, qrCode(token.qrSvg)),
    h('button', { type: 'button', 'data-testid': 'mint-dismiss', 'data-focus-key': `dismiss:${siteId}`, onclick: () => actions.onDismiss(siteId) }, t('installer.done')))
}

/**
 * @param {Gateway} gw
 * @param {boolean} busy a token is being minted for the site
 * @param {InstallerActions} actions
 */
function gatewayRow(gw, busy, actions) {
  return h('tr', { 'data-testid': 'installer-gateway', dataset: { gatewayId: gw.id } },
    h('th', { scope: 'row' }, gw.name ?? gw.id, gw.name && h('div', { class: 'muted' }, gw.id)),
    h('td', {}, h('span', { class: `badge state-${gw.state}`, 'data-state': gw.state }, tOr('state', gw.state))),
    h('td', { 'data-testid': 'gateway-enrolled', 'data-enrolled': String(gw.enrolled) }, gw.enrolled ? t('installer.enrolled') : t('installer.notEnrolled')),
    h('td', {}, gw.agentVersion ?? dash()),
    h('td', {}, formatTime(gw.lastSeen)),
    h('td', {}, gw.enrolled && h('button', {
      type: 'button', 'data-testid': 'replace-button', 'data-focus-key': `replace:${gw.id}`, disabled: busy,
      'aria-label': t('installer.replaceLabel', { gateway: gw.id }), onclick: () => actions.onMint(gw.siteId, gw.id),
    }, t('installer.replace'))))
}

function systemGroup(/** @type {InstallerSystem} */ group) {
  return h('li', { 'data-testid': 'installer-system', dataset: { system: group.system ?? '' } },
    h('strong', {}, systemName(group.system)), ' ',
    h('span', { class: `badge ${group.required ? 'required' : ''}` }, group.required ? t('installer.required') : t('installer.notRequired')), ' ',
    h('span', { class: 'muted' }, group.devices.length === 0 ? t('installer.noDevicesYet') : t('installer.reporting', { reporting: group.reporting, devices: group.devices.length })),
    group.devices.length > 0 && h('ul', {}, group.devices.map((d) => h('li', { 'data-testid': 'installer-device' },
      h('span', {}, d.id), ' ', h('span', { class: 'muted' }, [d.vendor, d.model].filter(Boolean).join(' ')), ' ',
      h('span', { class: `badge state-${d.state}` }, tOr('state', d.state))))))
}

/**
 * @param {InstallerSite} entry
 * @param {MintState | undefined} mint
 * @param {InstallerActions} actions
 */
function siteSection(entry, mint, actions) {
  const { site, gateways, systems, missingSystems } = entry
  const busy = mint?.status === 'minting'
  return h('section', { class: 'installer-site', 'data-testid': 'installer-site', dataset: { siteId: site.id }, 'aria-labelledby': `installer-${site.id}` },
    h('h3', { id: `installer-${site.id}` }, h('a', { href: `#/site/${encodeURIComponent(site.id)}`, 'data-focus-key': `site:${site.id}` }, site.name), ' ', h('span', { class: 'muted' }, `${tOr('siteType', site.type)} · ${site.jurisdiction}`)),
    missingSystems.length === 0
      ? h('p', { 'data-testid': 'missing-systems', 'data-count': '0' }, t('installer.noneMissing'))
      : h('div', { 'data-testid': 'missing-systems', 'data-count': String(missingSystems.length), class: 'missing' },
        h('p', {}, t('installer.missing')),
        h('ul', {}, missingSystems.map((system) => h('li', { 'data-testid': 'missing-system', dataset: { system } }, systemName(system))))),
    h('p', {}, h('button', {
      type: 'button', 'data-testid': 'mint-button', 'data-focus-key': `mint:${site.id}`, disabled: busy,
      'aria-label': t('installer.newTokenLabel', { site: site.name }), onclick: () => actions.onMint(site.id),
    }, t('installer.newToken'))),
    mintPanel(site.id, mint, actions),
    gateways.length === 0
      ? h('p', {}, t('site.noGateways'))
      : h('div', { class: 'table-wrap' }, table(t('installer.gatewaysCaption', { site: site.name }), [
        t('col.gateway'), t('col.state'), t('installer.col.enrolled'), t('col.version'), t('col.lastSeen'), t('col.action'),
      ], gateways.map((gw) => gatewayRow(gw, busy, actions)))),
    h('h4', {}, t('installer.devices')),
    h('ul', { class: 'installer-systems' }, systems.map(systemGroup)))
}

/**
 * @param {InstallerSite[]} sites
 * @param {ReadonlyMap<string, MintState>} mints by site id
 * @param {InstallerActions} actions
 */
export function installerView(sites, mints, actions) {
  return h('section', { 'aria-labelledby': 'installer-heading' },
    h('h2', { id: 'installer-heading' }, t('installer.heading')),
    sites.length === 0
      ? h('p', {}, t('installer.empty'))
      : sites.map((entry) => siteSection(entry, mints.get(entry.site.id), actions)))
}
