import { describe, expect, it } from 'vitest'
import { formatProblem } from '../../../protocols/validation/index.ts'
import { parseSitesCsv } from '../../../fleet-server/src/compliance/site-import.ts'

const HEADER = 'enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction,address,licence_no,in_town_near_homes,rules_from'
const problems = (text: string) => parseSitesCsv('sites.csv', text).problems.map(formatProblem)

describe('parseSitesCsv', () => {
  it('reads every column, in any order, trimming values', () => {
    const result = parseSitesCsv('sites.csv', [
      'site_type,site_id,site_name,enterprise_id,enterprise_name,enterprise_name_en,jurisdiction,in_town_near_homes,rules_from,address,licence_no',
      'petrol-station,legang-ps, 乐港加油站 ,legang-oil,乐平市乐港石油有限公司,Legang Oil,乐港镇,是,2012-03-01,"乐港镇 206 国道旁, 乐港街 18 号",（赣）WH安许证字[2011]001',
      'coal-mine,yongshan-1,涌山煤矿,yongshan-coal,乐平市涌山煤业有限责任公司,,涌山镇,,,,',
    ].join('\n'))
    expect(result.problems).toEqual([])
    expect(result.enterprises).toEqual([
      { id: 'legang-oil', name: '乐平市乐港石油有限公司', nameEn: 'Legang Oil' },
      { id: 'yongshan-coal', name: '乐平市涌山煤业有限责任公司' },
    ])
    expect(result.sites).toEqual([
      { id: 'legang-ps', enterpriseId: 'legang-oil', name: '乐港加油站', type: 'petrol-station', jurisdiction: '乐港镇', address: '乐港镇 206 国道旁, 乐港街 18 号', licenceNo: '（赣）WH安许证字[2011]001', rulesFrom: '2012-03-01', inTownNearHomes: true },
      { id: 'yongshan-1', enterpriseId: 'yongshan-coal', name: '涌山煤矿', type: 'coal-mine', jurisdiction: '涌山镇' },
    ])
  })

  it('reports each bad value as FILE:LINE:COL column: message', () => {
    expect(problems(`${HEADER}\ne1,甲,s1,一号,gold-mine,涌山镇,,,,2011-02-29\ne1,甲,s 2,二号,coal-mine,,,,maybe,\n`)).toEqual([
      'sites.csv:2:12 site_type: "gold-mine" is not a site type: one of coal-mine, non-coal-mine, tailings-pond, petrol-station, chemical-plant, hazmat-fleet',
      'sites.csv:2:29 rules_from: 2011-02-29 is not a day of the calendar (February 2011 has 28 days)',
      'sites.csv:3:6 site_id: "s 2" is not an id: 1-64 letters, digits, - _ . starting with a letter or digit',
      'sites.csv:3:23 jurisdiction: must not be empty',
      'sites.csv:3:26 in_town_near_homes: "maybe" is not true or false (yes/no, 1/0, 是/否)',
    ])
  })

  it('a petrol station must say whether it is in town near homes', () => {
    expect(problems(`${HEADER}\ne1,甲,p1,加油站,petrol-station,乐港镇,,,,\n`)).toEqual([
      "sites.csv:2:34 in_town_near_homes: required for a petrol-station: true when it is in town with homes or crowded public places nearby (the plan's 四(四)1 duty binds it then)",
    ])
  })

  it('a site twice, an enterprise under two names, a short row', () => {
    expect(problems(`${HEADER}\ne1,甲,s1,一号,coal-mine,涌山镇,,,,\ne1,乙,s1,一号,coal-mine,涌山镇,,,,\ne2,丙,s3\n`)).toEqual([
      'sites.csv:3:4 enterprise_name: enterprise "e1" is named "甲" on line 2',
      'sites.csv:3:6 site_id: site "s1" is also on line 2',
      'sites.csv:4:6 3 fields, the header has 10',
    ])
  })

  it('the header: unknown, doubled and missing columns; a CSV syntax error', () => {
    expect(problems('enterprise_id,site_id,site_id,colour\n')).toEqual([
      'sites.csv:1:1 header: missing columns enterprise_name, site_name, site_type, jurisdiction',
      'sites.csv:1:23 site_id: column named twice',
      'sites.csv:1:31 colour: unknown column (expected enterprise_id, enterprise_name, site_id, site_name, site_type, jurisdiction, enterprise_name_en, address, licence_no, in_town_near_homes, rules_from)',
    ])
    expect(problems(`${HEADER}\ne1,甲,s1,"一号,coal-mine\n`)).toEqual(['sites.csv:2:9 quoted field is never closed'])
    expect(problems('')).toEqual(['sites.csv:1:1 empty file: expected a header line with the columns enterprise_id,enterprise_name,site_id,site_name,site_type,jurisdiction'])
  })
})
