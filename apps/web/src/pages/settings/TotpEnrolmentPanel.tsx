import type { TotpEnrolment } from '@parley/contract';
import { useEffect, useRef } from 'react';
import { api } from '../../api/client.js';
import { Field } from '../../components/Field.js';
import { Form } from '../../components/Form.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';

interface TotpEnrolmentPanelProps {
  enrolment: TotpEnrolment;
  /** The app's code was right: two-step sign-in is on, with these first recovery codes. */
  onConfirmed(recoveryCodes: string[]): void;
  onCancel(): void;
}

/** The key in groups of four, easier to read and type into an app by hand. */
const grouped = (secret: string) => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/**
 * Setting up an authenticator app: its QR code (an SVG the server made, shown as a `data:` image, which
 * the page's Content-Security-Policy allows and which can run nothing), the key for typing in by hand,
 * and a code from the app to prove it stored the key.
 */
export function TotpEnrolmentPanel({ enrolment, onConfirmed, onCancel }: TotpEnrolmentPanelProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const form = useForm({ code: '' }, { code: 'Code from the app' });
  useEffect(() => {
    heading.current?.focus();
  }, []);

  const confirm = async (values: typeof form.values) => {
    const { recoveryCodes } = await api.confirmTotp({ code: values.code });
    onConfirmed(recoveryCodes);
  };

  return (
    <section className="enrolment" aria-labelledby="enrolment-title">
      <h3 id="enrolment-title" ref={heading} tabIndex={-1} className="section-title">
        Set up your authenticator app
      </h3>
      <ol className="steps">
        <li>
          <p>
            Scan this QR code with an authenticator app (such as 1Password, Authy or Google Authenticator).
          </p>
          <img
            className="qr-code"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
            alt="QR code to scan with your authenticator app"
            width={200}
            height={200}
          />
          <p>
            Can’t scan it? Add an account in the app by hand with this key:{' '}
            <code className="totp-secret break" data-testid="totp-secret" data-secret={enrolment.secret}>
              {grouped(enrolment.secret)}
            </code>
          </p>
        </li>
        <li>
          <p>Enter the 6-digit code the app now shows for Parley.</p>
          <Form form={form} action={confirm}>
            <Field
              label="Code from the app"
              autoComplete="one-time-code"
              inputMode="numeric"
              spellCheck={false}
              {...form.bind('code')}
            />
            <div className="confirm-row">
              <SubmitButton busy={form.busy} busyLabel="Turning on…">
                Turn on two-step sign-in
              </SubmitButton>
              <button type="button" className="button button-secondary" onClick={onCancel}>
                Cancel
              </button>
            </div>
          </Form>
        </li>
      </ol>
    </section>
  );
}
