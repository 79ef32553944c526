// Error surface of the library: the error type, the code table and the explain articles.
export { ServicePackError, isServicePackError, hasErrno, interruptedError, abortedError } from './service-pack-error.js';
export { errorSummaries } from './codes.js';
export type { ErrorCode, ErrorDetails, HealthCheckResult, Mismatch } from './codes.js';
export { explainArticles } from './explain-articles.js';
export type { ExplainArticle } from './explain-articles.js';
export { renderErrorsDoc } from './render-errors-doc.js';
