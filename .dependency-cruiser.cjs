/** Dependencies flow one way: cli, server, workers -> glossary, providers -> pipeline. */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'pipeline-is-pure',
      comment: 'pipeline/ does no network, Redis or server work',
      severity: 'error',
      from: { path: '^pipeline/' },
      to: { path: '(^|/)node_modules/(bullmq|ioredis|axios|fastify|@fastify|@bull-board|pino)/|^(providers|workers|glossary|server|cli)/' },
    },
    {
      name: 'providers-glossary-below-services',
      severity: 'error',
      from: { path: '^(providers|glossary)/' },
      to: { path: '^(workers|server|cli)/' },
    },
    {
      name: 'workers-below-server-cli',
      severity: 'error',
      from: { path: '^workers/' },
      to: { path: '^(server|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/|\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
