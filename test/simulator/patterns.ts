/** The shapes of core's generated values, for checking what the simulator writes. */

/** A context id: a ULID, 26 Crockford base-32 characters (docs/home-assistant.md §6). */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Core's timestamps: UTC with `+00:00`, microseconds left out when zero (docs/home-assistant.md §6). */
export const ISO_MICROS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/;
