import { useState } from 'preact/hooks';
import { t } from '../utils/i18n';
import { ask } from '../utils/protocol';
import { ErrorBox } from './ErrorBox';
import { Field } from './Field';
import { useAction } from './use-action';
import { useMay } from './role';

type Action = 'device/forget';

/**
 * One device by ID, since the one an admin needs to forget (a retired browser, one reinstalled under a new key, one
 * invented) is rarely among the most vulnerable.
 */
export function DeviceActions({ deviceId, onDeviceId, onDone }: { deviceId: string; onDeviceId: (id: string) => void; onDone: () => void }) {
  const may = useMay();
  const { busy, error, run: act } = useAction();
  const [done, setDone] = useState<Action | null>(null);
  const run = (type: Action) => {
    setDone(null);
    return act(async () => {
      await ask({ type, deviceId: deviceId.trim() });
      setDone(type);
      onDone();
    });
  };
  const empty = deviceId.trim() === '';
  return (
    <div class="device-actions">
      <Field
        id="deviceId"
        label={t('deviceId')}
        help={t('deviceIdHelp')}
        value={deviceId}
        onValue={(v) => {
          onDeviceId(v);
          setDone(null);
        }}
      />
      <div class="actions">
        {may('operator') && (
          <button type="button" id="forget-device" disabled={busy || empty} onClick={() => void run('device/forget')}>
            {t('forgetDevice')}
          </button>
        )}
      </div>
      {done && (
        <p role="status" id="device-action-done">
          {t('deviceForgotten')}
        </p>
      )}
      {error && <ErrorBox error={error} />}
    </div>
  );
}
