/**
 * errors/: the coded error base every domain error extends or is (coded-error.ts). Public: the
 * class callers catch and the category they switch on; the list of categories (ERROR_CATEGORIES,
 * for the exit-code table) is imported from coded-error.ts.
 */
export { CodedError, type ErrorCategory } from "./coded-error.ts";
