/**
 * The app: picks the screen for the route and the guest's sign-in, inside the page frame.
 * Features never import each other; they meet here.
 */
import { useEffect } from 'react';
import { ApiError } from '../api/client.js';
import { useInfo, useMe } from '../api/queries.js';
import { Loading } from '../components/Loading.js';
import { FollowHome } from '../features/follow/FollowHome.js';
import { JoinPage } from '../features/follow/JoinPage.js';
import { HistoryDetailPage } from '../features/history/HistoryDetailPage.js';
import { HistoryPage } from '../features/history/HistoryPage.js';
import { InviteCard } from '../features/invite/InviteCard.js';
import { PrivacyPage } from '../features/privacy/PrivacyPage.js';
import { SignedOut } from '../features/sign-in/SignedOut.js';
import { Layout } from './Layout.js';
import { parseRoute, useLocation } from './router.js';
import type { Route } from './router.js';
import { NotFound, Offline, SignInFirst } from './screens.js';
import { SignOut } from './SignOut.js';

const TITLES: Record<Route['name'], string> = {
  home: 'Lasso',
  join: 'Join a jam · Lasso',
  history: 'History · Lasso',
  historyDetail: 'A past follow · Lasso',
  privacy: 'Privacy · Lasso',
  notFound: 'Not found · Lasso',
};

/** The whole app. */
export function App() {
  const location = useLocation();
  const route = parseRoute(location.pathname);
  const info = useInfo();
  const me = useMe();
  useEffect(() => {
    document.title =
      route.name === 'join' ? `Join ${route.username}’s jam · Lasso` : TITLES[route.name];
  }, [route]);

  const offline =
    (me.error instanceof ApiError && me.error.code === 'NETWORK') ||
    (info.error instanceof ApiError && info.error.code === 'NETWORK');
  let screen;
  if (offline && (me.data === undefined || info.data === undefined)) {
    screen = (
      <Offline
        onRetry={() => {
          void me.refetch();
          void info.refetch();
        }}
      />
    );
  } else if (me.isPending || info.isPending || me.isError || info.isError) {
    screen = <Loading />;
  } else {
    screen = <Screen route={route} search={location.search} me={me.data} info={info.data} />;
  }
  return (
    <Layout route={route} me={me.data} info={info.data}>
      {screen}
    </Layout>
  );
}

function Screen(props: {
  route: Route;
  search: string;
  me: NonNullable<ReturnType<typeof useMe>['data']> | null;
  info: NonNullable<ReturnType<typeof useInfo>['data']>;
}) {
  const { route, me, info } = props;
  switch (route.name) {
    case 'home':
      if (me === null) return <SignedOut error={new URLSearchParams(props.search).get('error')} />;
      return (
        <div className="space-y-6">
          <FollowHome
            me={me}
            info={info}
            footer={
              <>
                <InviteCard username={me.username} />
                <SignOut me={me} />
              </>
            }
          />
        </div>
      );
    case 'join':
      return <JoinPage host={route.username} me={me} info={info} />;
    case 'history':
      return me ? <HistoryPage /> : <SignInFirst returnTo="/history" what="your history" />;
    case 'historyDetail':
      return me ? (
        <HistoryDetailPage id={route.id} />
      ) : (
        <SignInFirst returnTo={`/history/${encodeURIComponent(route.id)}`} what="this follow" />
      );
    case 'privacy':
      return <PrivacyPage info={info} me={me} />;
    case 'notFound':
      return <NotFound />;
  }
}
