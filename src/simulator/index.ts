/** The Home Assistant simulator's public surface. */
export { HaSimulator, type HaSimulatorOptions, type ConnectionSubscriptions } from './server.ts';
export type { RestCall } from './rest-api.ts';
export type { SimUser } from './core.ts';
