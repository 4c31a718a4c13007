/** Query keys, in one place so invalidations and reads cannot drift apart. */
export const keys = {
  info: ['info'] as const,
  me: ['me'] as const,
  status: ['status'] as const,
  history: ['history'] as const,
  historyPage: (page: number) => ['history', 'page', page] as const,
  historyDetail: (id: string, page: number) => ['history', 'detail', id, page] as const,
  catchUp: (host: string, since: number) => ['catch-up', host.toLowerCase(), since] as const,
};
