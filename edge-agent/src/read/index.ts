/** `edge-agent read`: a block read in every word order. report and format-text are pure; read-block does the I/O. */
export { formatCycle } from './format-text.ts'
export { READ_SPACING_MS, readBlock } from './read-block.ts'
export { reportCycle, type BlockRequest } from './report.ts'
