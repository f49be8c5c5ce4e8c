export { addDays, DAY_MS, daysBetween, localDay, SHANGHAI_OFFSET_MS, shanghaiDay, shanghaiMidnight, shanghaiTime } from './days.ts'
