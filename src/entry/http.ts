/**
 * `integration-backend/http`: the whole service as a Koa application. `createService`
 * composes every adapter from a Config (overridable one by one) and builds the app without
 * listening; mount `service.app.callback()` in your own server or call `service.listen()`.
 */
export { composeCore, createService, type Adapters, type Core, type Drivers, type Overrides, type Service, type UseCases } from '../composition/container.js';
export { loadConfig, parseDatabaseUrl, DEFAULT_JIRA_SCOPES, type Config, type DatabaseConfig, type EnvName } from '../composition/config.js';
export { createHttpApp, type HttpAppOptions } from '../adapters/http/app.js';
export { toHttpError, type ErrorBody, type HttpError } from '../adapters/http/error-mapper.js';
export { createPinoLogger, asLoggerPort, type LoggerOptions } from '../adapters/pino/pino-logger.js';
