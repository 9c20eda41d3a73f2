export { GroupCoordinator, type GroupCoordinatorOptions } from './coordinator.js';
export { realScheduler, type Scheduler } from './scheduler.js';
export type * from './types.js';
