// Relation and joint (quintuple) scores on hand-made cases whose counts are worked out by hand.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { scoreJoint, scoreRelations } from '../lib/metrics/index.js';

const test = suite('metrics: relations and quintuples');
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('MRE: None is never counted; a wrong non-None prediction costs precision and recall', () => {
  const gold = ['None', '/per/per/peer', '/per/org/member_of', '/per/per/peer', 'None', '/loc/loc/contain'];
  const pred = ['None', '/per/per/peer', '/per/per/peer', 'None', '/org/loc/locate_at', '/loc/loc/contain'];
  const s = scoreRelations(gold, pred);
  // gold non-None 4; predicted non-None 4; correct 2 (peer at 1, contain at 5)
  assert.equal([s.micro.correct, s.micro.predicted, s.micro.gold], [2, 4, 4]);
  close(s.micro.f1, 0.5);
  assert.equal(Object.keys(s.perLabel), ['/loc/loc/contain', '/org/loc/locate_at', '/per/org/member_of', '/per/per/peer']);
  assert.equal(s.perLabel['/per/per/peer'], { precision: 0.5, recall: 0.5, f1: 0.5, correct: 1, predicted: 2, gold: 2 });
  assert.is(s.perLabel['/org/loc/locate_at']!.precision, 0);
  assert.is(s.perLabel['/per/org/member_of']!.recall, 0);
  close(s.accuracy, 3 / 6);
  assert.not.ok('None' in s.perLabel);
  // MNRE v1 spells it 'none'
  const v1 = scoreRelations(['none', 'capital'], ['capital', 'capital'], 'none');
  assert.equal([v1.micro.correct, v1.micro.predicted, v1.micro.gold], [1, 2, 1]);
  assert.throws(() => scoreRelations(['None'], []), /expected 1 predictions/);
});

test('MJERE: a quintuple counts only with both spans, both types and the relation right', () => {
  const per = (start: number, end: number) => ({ start, end, type: 'per' });
  const org = (start: number, end: number) => ({ start, end, type: 'org' });
  const gold = [
    { entities: [per(0, 2), org(4, 5)], triples: [{ head: per(0, 2), tail: org(4, 5), relation: 'member_of' }] },
    { entities: [per(0, 1), per(3, 4)], triples: [{ head: per(0, 1), tail: per(3, 4), relation: 'peer' }, { head: per(3, 4), tail: per(0, 1), relation: 'peer' }] },
    { entities: [per(1, 2), org(5, 7)], triples: [{ head: per(1, 2), tail: org(5, 7), relation: 'member_of' }] },
  ];
  const pred = [
    // exact
    { entities: [per(0, 2), org(4, 5)], triples: [{ head: per(0, 2), tail: org(4, 5), relation: 'member_of' }] },
    // right pair, wrong relation; the reverse pair missed; an extra entity
    { entities: [per(0, 1), per(3, 4), org(6, 7)], triples: [{ head: per(0, 1), tail: per(3, 4), relation: 'couple' }] },
    // tail span one word short, tail type wrong in the second triple
    { entities: [per(1, 2), org(5, 6)], triples: [{ head: per(1, 2), tail: org(5, 6), relation: 'member_of' }, { head: per(1, 2), tail: per(5, 7), relation: 'member_of' }] },
  ];
  const s = scoreJoint(gold, pred);
  // quintuples: gold 4, predicted 4, correct 1
  assert.equal([s.quintuple.correct, s.quintuple.predicted, s.quintuple.gold], [1, 4, 4]);
  close(s.quintuple.f1, 0.25);
  assert.equal([s.perRelation.member_of!.correct, s.perRelation.member_of!.predicted, s.perRelation.member_of!.gold], [1, 3, 2]);
  assert.equal([s.perRelation.peer!.predicted, s.perRelation.peer!.gold], [0, 2]);
  assert.equal([s.perRelation.couple!.predicted, s.perRelation.couple!.gold], [1, 0]);
  // pairs (relation ignored): correct are sentence 1's pair and sentence 2's first pair
  assert.equal([s.pair.correct, s.pair.predicted, s.pair.gold], [2, 4, 4]);
  // entities: gold 6; predicted 2 + 3 + 3 (org 5:6, per 5:7 come from the triples) = 8; correct 2 + 2 + 1
  assert.equal([s.entity.correct, s.entity.predicted, s.entity.gold], [5, 8, 6]);
  // a repeated prediction counts once
  const twice = scoreJoint([gold[0]!], [{ entities: [], triples: [gold[0]!.triples[0]!, gold[0]!.triples[0]!] }]);
  assert.equal([twice.quintuple.correct, twice.quintuple.predicted], [1, 1]);
  assert.throws(() => scoreJoint(gold, []), /expected 3 predicted sentences/);
});

test.run();
