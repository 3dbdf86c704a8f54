import { Page } from '../../components/Page.js';
import { Link } from '../../router/router.js';

export function NotFoundPage() {
  return (
    <Page title="Page not found">
      <p>There is nothing at this address. It may have moved, or the link may be mistyped.</p>
      <p>
        <Link to="/">Go to Parley</Link>
      </p>
    </Page>
  );
}
