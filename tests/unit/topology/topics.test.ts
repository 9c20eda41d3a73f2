import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RecordName } from '../../../schemas/types.js';
import {
  declaredTopics,
  findDeclaration,
  SCHEMAS_TOPIC,
  TOPIC,
  type TopicValueRecord,
} from '../../../topology/topics.js';

describe('topic declarations', () => {
  it('finds every declared topic by name, feature topics of any version included', () => {
    for (const d of declaredTopics('v1')) expect(findDeclaration(d.name)).toEqual(d);
    expect(findDeclaration('user-features.v7')).toMatchObject({
      valueRecord: 'UserFeatures',
      keyField: 'user_id',
    });
    expect(findDeclaration('item-features.v2-experiment')).toMatchObject({ valueRecord: 'ItemFeatures' });
    expect(findDeclaration('nope')).toBeUndefined();
    expect(findDeclaration(SCHEMAS_TOPIC)).toBeUndefined();
  });

  it('types each topic with the value record it declares', () => {
    expectTypeOf<TopicValueRecord<'interactions'>>().toEqualTypeOf<'Interaction'>();
    expectTypeOf<TopicValueRecord<'interactions-by-item'>>().toEqualTypeOf<'Interaction'>();
    expectTypeOf<TopicValueRecord<'items'>>().toEqualTypeOf<'Item'>();
    expectTypeOf<TopicValueRecord<'users'>>().toEqualTypeOf<'User'>();
    expectTypeOf<TopicValueRecord<'user-features.v1'>>().toEqualTypeOf<'UserFeatures'>();
    expectTypeOf<TopicValueRecord<'item-features.v3'>>().toEqualTypeOf<'ItemFeatures'>();
    expectTypeOf<TopicValueRecord<'training-runs'>>().toEqualTypeOf<'TrainingRun'>();
    expectTypeOf<TopicValueRecord<'dead-letters'>>().toEqualTypeOf<'DeadLetter'>();
    expectTypeOf<TopicValueRecord<'replay-manifests'>>().toEqualTypeOf<'ReplayManifest'>();
    expectTypeOf<TopicValueRecord<string>>().toEqualTypeOf<RecordName>();
    // And the declarations say the same at run time.
    const expected: Record<string, RecordName> = {
      [TOPIC.interactions]: 'Interaction',
      [TOPIC.interactionsByItem]: 'Interaction',
      [TOPIC.items]: 'Item',
      [TOPIC.users]: 'User',
      'user-features.v1': 'UserFeatures',
      'item-features.v1': 'ItemFeatures',
      [TOPIC.trainingRuns]: 'TrainingRun',
      [TOPIC.deadLetters]: 'DeadLetter',
      [TOPIC.replayManifests]: 'ReplayManifest',
    };
    expect(Object.fromEntries(declaredTopics('v1').map((d) => [d.name, d.valueRecord]))).toEqual(expected);
  });
});
