import { Alert, AlertTitle } from '@mui/material';
import { useTranslate, type HttpError } from 'react-admin';

/**
 * Why the server refused: the translated meaning of its error code when Kami knows it, and the server's own
 * message, which names the specifics (e.g. the order's current status).
 */
export const ErrorAlert = ({ error }: { error: HttpError | Error }) => {
  const translate = useTranslate();
  const code = (error as HttpError).body?.code as string | undefined;
  const title = code ? translate(`kami.error.${code}`, { _: '' }) : '';
  return (
    <Alert severity="error" sx={{ mt: 2 }} role="alert" data-error-code={code}>
      {title && <AlertTitle>{title}</AlertTitle>}
      {error.message}
    </Alert>
  );
};
