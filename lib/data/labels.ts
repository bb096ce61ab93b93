// Label sets of the benchmark datasets, exactly as ../shared/data/README.md documents them.

/** Twitter-2015 entity types (BIO tags B-X / I-X). */
export const TWITTER2015_ENTITY_TYPES = ['PER', 'LOC', 'ORG', 'OTHER'] as const;
/** Twitter-2017 entity types: MISC where 2015 says OTHER. */
export const TWITTER2017_ENTITY_TYPES = ['PER', 'LOC', 'ORG', 'MISC'] as const;
/** What the Twitter reader accepts by default: either year's types. */
export const TWITTER_ENTITY_TYPES = ['PER', 'LOC', 'ORG', 'OTHER', 'MISC'] as const;

/**
 * MNRE v2's 23 relation labels in `ours_rel2id.json` order (index = class id). "alumi" is spelled
 * that way in the data.
 */
export const MNRE_RELATIONS = [
  'None',
  '/per/per/parent',
  '/per/per/siblings',
  '/per/per/couple',
  '/per/per/neighbor',
  '/per/per/peer',
  '/per/per/charges',
  '/per/per/alumi',
  '/per/per/alternate_names',
  '/per/org/member_of',
  '/per/loc/place_of_residence',
  '/per/loc/place_of_birth',
  '/org/org/alternate_names',
  '/org/org/subsidiary',
  '/org/loc/locate_at',
  '/loc/loc/contain',
  '/per/misc/present_in',
  '/per/misc/awarded',
  '/per/misc/race',
  '/per/misc/religion',
  '/per/misc/nationality',
  '/misc/misc/part_of',
  '/misc/loc/held_on',
] as const;

/** JMERE entity types (the `tags` field), taken from the MNRE relation string. */
export const JMERE_ENTITY_TYPES = ['per', 'loc', 'org', 'misc'] as const;

/**
 * JMERE's 21 relation names: MNRE's non-None labels without the type prefix (per- and org-
 * alternate_names become one), in first-appearance order of MNRE_RELATIONS.
 */
export const JMERE_RELATIONS: readonly string[] = [...new Set(MNRE_RELATIONS.slice(1).map((r) => r.split('/')[3] as string))];

/** Splits an MNRE relation label into its head type, tail type and name ("None" gives nulls). */
export function splitMnreRelation(label: string): { headType: string; tailType: string; name: string } | null {
  const m = /^\/([a-z]+)\/([a-z]+)\/([a-z_]+)$/.exec(label);
  return m ? { headType: m[1] as string, tailType: m[2] as string, name: m[3] as string } : null;
}
