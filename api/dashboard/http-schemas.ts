import { Type } from 'typebox';

/** Response schemas of the dashboard's JSON routes (api/routes/dashboard.ts). */

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const RatesBody = Type.Object({
  t: Type.Number({ description: 'wall time of the sample, epoch ms' }),
  in: Type.Union([Type.Number(), Type.Null()], {
    description: 'records appended to `interactions` per second (null: the broker did not answer)',
  }),
  processed: Type.Record(Type.String(), Type.Number(), {
    description: 'events applied per second, per processor',
  }),
});

export const SummaryBody = Type.Object({
  now: Type.Number(),
  active_version: Type.Union([Type.String(), Type.Null()]),
  pipeline_clock: NullableNumber,
  clocks: Type.Array(Type.Object({ version: Type.String(), clock: Type.Number() })),
  freshness: Type.Array(
    Type.Object({ processor: Type.String(), version: Type.String(), seconds: Type.Number() }),
  ),
  lag: Type.Array(
    Type.Object({
      processor: Type.String(),
      version: Type.String(),
      topic: Type.String(),
      partition: Type.String(),
      lag: Type.Number(),
    }),
  ),
  sink_lag: Type.Array(Type.Object({ topic: Type.String(), partition: Type.String(), lag: Type.Number() })),
  rates: Type.Union([RatesBody, Type.Null()]),
  components: Type.Array(
    Type.Object({
      name: Type.String(),
      healthy: Type.Boolean(),
      reason: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export const TimeseriesQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Number({
        minimum: 0,
        description: 'only samples after this wall time (epoch ms): what a poller already has',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TimeseriesBody = Type.Object({
  interval_ms: Type.Integer(),
  capacity: Type.Integer({ description: 'samples kept (the window is capacity × interval_ms)' }),
  t: Type.Array(Type.Number()),
  in: Type.Array(NullableNumber),
  processed: Type.Record(Type.String(), Type.Array(Type.Number())),
});

export const DeadLettersBody = Type.Object({
  from: Type.Union([Type.Literal('clickhouse'), Type.Literal('metrics')], {
    description: 'clickhouse: every dead letter stored; metrics: counters of the parts in this process',
  }),
  total: Type.Integer(),
  reasons: Type.Array(
    Type.Object({
      origin: Type.String({ description: 'api, replay, processor, sink, ...' }),
      reason: Type.String({ description: 'the reason with quoted values and numbers masked' }),
      example: Type.String(),
      count: Type.Integer(),
    }),
  ),
});

const RankedItem = Type.Object({
  item_id: Type.String(),
  popularity_score: Type.Number(),
  trending_score: NullableNumber,
  cnt_24h: Type.Number(),
  cnt_7d: Type.Number(),
  total_interactions: Type.Number(),
});

export const ItemsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) },
  { additionalProperties: false },
);

export const ItemsBody = Type.Object({
  version: Type.Union([Type.String(), Type.Null()]),
  clock: NullableNumber,
  items_ranked: Type.Integer(),
  top: Type.Array(RankedItem),
  trending: Type.Array(RankedItem),
});

export const TopologyBody = Type.Object({
  feature_version: Type.String(),
  topics: Type.Array(
    Type.Object({
      name: Type.String(),
      declared: Type.Boolean(),
      exists: Type.Boolean(),
      partitions: Type.Integer(),
      cleanup_policy: Type.Union([Type.String(), Type.Null()]),
      end_offsets: Type.Array(Type.Integer()),
      end_offset: Type.Integer(),
      records: Type.Integer(),
    }),
  ),
  groups: Type.Array(Type.Object({ group_id: Type.String(), topic: Type.String(), lag: Type.Integer() })),
});
