/**
 * Qt's enums for the public API (defined in protocol/enums so lower layers can use them).
 * @module
 */
export * from '../protocol/enums';
