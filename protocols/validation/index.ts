export * from './problem.ts'
export * from './yaml-source.ts'
export { createValidator } from './ajv.ts'
export { calendarDayProblem, isCalendarDay } from './calendar-day.ts'
