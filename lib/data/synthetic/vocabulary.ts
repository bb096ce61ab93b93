// The words of the synthetic dataset. Every name can be a person, a place or a team, and every
// template reads the same for all three, so the text alone says nothing about an entity's type:
// only the image (or a context describing it) does.

/** The entity types, in Twitter-2017 spelling; MRE/JMERE use the lower-case forms. */
export const SYNTHETIC_ENTITY_TYPES = ['PER', 'LOC', 'ORG'] as const;
export type SyntheticEntityType = (typeof SYNTHETIC_ENTITY_TYPES)[number];

/** Names that are plausibly a person, a city or a club. Some span two tokens. */
export const AMBIGUOUS_NAMES: readonly string[] = [
  'Jordan', 'Paris', 'Phoenix', 'Chelsea', 'Madison', 'Austin', 'Dallas', 'Florence', 'Georgia',
  'Lincoln', 'Sydney', 'Houston', 'Savannah', 'Orlando', 'Victoria', 'Denver', 'Aurora', 'Camden',
  'Chester', 'Preston', 'Kingston', 'Brooklyn', 'Dakota', 'Memphis', 'Eden', 'Carolina', 'Richmond',
  'Santa Clara', 'Blue Ridge', 'Red Rock', 'Silver Lake', 'North Star', 'Golden Bay',
];

/** One-entity templates: {A} is the entity; {user} and {tag} are filler. */
export const ONE_ENTITY_TEMPLATES: readonly string[] = [
  "Can't stop thinking about {A} today",
  '{A} was amazing last night !',
  'Big news from {A} this morning',
  'Everyone is talking about {A} {tag}',
  'RT @{user} : {A} is trending again',
  'What a day for {A} .',
  'Throwback to {A} last summer {tag}',
  'Look who we found : {A}',
  'Nothing beats {A} on a Sunday',
  'So proud of {A} right now',
  'RT @{user} : First look at {A} {tag}',
  'Still not over {A} ...',
];

/** Two-entity templates: {A} is mentioned first (drawn on the left), {B} second (on the right). */
export const TWO_ENTITY_TEMPLATES: readonly string[] = [
  '{A} and {B} today !',
  'RT @{user} : {A} meets {B} {tag}',
  'Photos : {A} with {B}',
  'Finally {A} and {B} together',
  '{A} , {B} and a long weekend',
  'Great to see {A} next to {B}',
  'RT @{user} : {A} and {B} , what a combination {tag}',
  'Can anyone beat {A} and {B} ?',
];

export const USERS: readonly string[] = ['daily_news', 'sports_fan22', 'weekend_vibes', 'citylife', 'the_scoop', 'photo_hub'];
export const HASHTAGS: readonly string[] = ['#news', '#weekend', '#tbt', '#photo', '#live', '#mood'];

/**
 * MNRE label of an ordered (head, tail) type pair; pairs MNRE has no relation for are "None". The
 * relation follows from the types, so it too can only be told with the image.
 */
export const RELATION_OF_TYPES: Record<string, string> = {
  'PER/PER': '/per/per/peer',
  'PER/ORG': '/per/org/member_of',
  'PER/LOC': '/per/loc/place_of_residence',
  'ORG/LOC': '/org/loc/locate_at',
  'ORG/ORG': '/org/org/subsidiary',
  'LOC/LOC': '/loc/loc/contain',
};

export function relationOf(head: SyntheticEntityType, tail: SyntheticEntityType): string {
  return RELATION_OF_TYPES[`${head}/${tail}`] ?? 'None';
}
