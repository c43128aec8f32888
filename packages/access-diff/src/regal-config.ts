/**
 * The Regal configuration the gate lints policy sets with when the base commit has none: the
 * one keycard's own `policies/.regal/config.yaml` holds (a test keeps the two equal). It ships
 * inside the action, so a repository needs no configuration of its own.
 * @public
 */
export const DEFAULT_REGAL_CONFIG = `rules:
  idiomatic:
    no-defined-entrypoint:
      level: ignore
    directory-package-mismatch:
      level: ignore
  imports:
    unresolved-reference:
      level: error
      except-paths:
        - data.keycard.policy
        - data.keycard.policy.*
        - data.keycard.custom
        - data.keycard.custom.*
  style:
    opa-fmt:
      level: ignore
`;
