/**
 * Stage 4: glossary files, matching and masking. The modules beside this file
 * hold the parts; this is the stage's public surface.
 */
export { parseGlossaryYaml, formatGlossaryYaml, yamlHead, yamlEntries, deriveTermId, TERM_KINDS, TERM_STATUSES, GENDERS, NUMBERS } from './yaml.js';
export { glossaryVersion } from './version.js';
export { compileGlossary, type GlossaryMatcher } from './matcher.js';
export { maskSegment, unmaskSegment, type Mask, type MaskedSegment } from './mask.js';
export { sourceForms, targetForm, forbiddenForms, translationFor, sameLang } from './terms.js';
export { findForm } from './fold.js';
export { termsForArticle } from './article.js';
