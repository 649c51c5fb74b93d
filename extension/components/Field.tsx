import type { JSX } from 'preact';
import { fieldMessage } from '../utils/i18n';

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
  help?: string;
  type?: 'text' | 'password' | 'email' | 'url' | 'number';
  multiline?: boolean;
  autoComplete?: string;
  placeholder?: string;
  disabled?: boolean;
}

/** A labelled input whose error and help are tied to it for screen readers. */
export function Field(p: FieldProps) {
  const describedBy = [p.error ? `${p.id}-error` : '', p.help ? `${p.id}-help` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id: p.id,
    name: p.id,
    value: p.value,
    disabled: p.disabled,
    placeholder: p.placeholder,
    'aria-invalid': p.error ? true : undefined,
    'aria-describedby': describedBy,
    onInput: (e: JSX.TargetedEvent<HTMLInputElement | HTMLTextAreaElement>) => p.onValue(e.currentTarget.value),
  };
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      {p.multiline ? <textarea rows={3} {...common} /> : <input type={p.type ?? 'text'} autoComplete={p.autoComplete ?? 'off'} {...common} />}
      {p.help && (
        <p class="help" id={`${p.id}-help`}>
          {p.help}
        </p>
      )}
      {p.error && (
        <p class="field-error" id={`${p.id}-error`}>
          {fieldMessage(p.id, p.error)}
        </p>
      )}
    </div>
  );
}

interface CheckProps {
  id: string;
  label: string;
  checked: boolean;
  onChecked: (checked: boolean) => void;
  error?: string;
}

export function Check(p: CheckProps) {
  return (
    <div class="field check">
      <input
        type="checkbox"
        id={p.id}
        name={p.id}
        checked={p.checked}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={p.error ? `${p.id}-error` : undefined}
        onChange={(e) => p.onChecked(e.currentTarget.checked)}
      />
      <label for={p.id}>{p.label}</label>
      {p.error && (
        <p class="field-error" id={`${p.id}-error`}>
          {fieldMessage(p.id, p.error)}
        </p>
      )}
    </div>
  );
}

interface ChoiceProps<T extends string> {
  id: string;
  legend: string;
  value: T;
  options: { value: T; label: string }[];
  onValue: (value: T) => void;
  /** Short options side by side, on one line. */
  inline?: boolean;
}

/** Radio buttons in a fieldset: arrow keys move between them, as screen readers expect. */
export function Choice<T extends string>(p: ChoiceProps<T>) {
  return (
    <fieldset class={p.inline ? 'choice inline' : 'choice'}>
      <legend>{p.legend}</legend>
      {p.options.map((o) => (
        <div class="check" key={o.value}>
          <input type="radio" id={`${p.id}-${o.value}`} name={p.id} value={o.value} checked={p.value === o.value} onChange={() => p.onValue(o.value)} />
          <label for={`${p.id}-${o.value}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}
