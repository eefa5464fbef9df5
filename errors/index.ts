/** errors/: the coded error base every domain error extends or is (coded-error.ts). */
export { CodedError, ERROR_CATEGORIES, type ErrorCategory } from "./coded-error.ts";
