/** The admin popup; the mail-server page arrives with its own issue. */
export function App() {
  return (
    <main>
      <h1>Guardmail</h1>
      <p>Extension ID: {browser.runtime.id}</p>
    </main>
  );
}
