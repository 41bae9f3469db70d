import { Layout } from "./layout.tsx";

export function ErrorPage(props: { status: number; message: string }) {
  return (
    <Layout title={`Error ${props.status}`}>
      <h1>{props.status === 500 ? "Something went wrong" : "That didn't work"}</h1>
      <p class="flash error" role="alert">
        {props.message}
      </p>
      <p class="links">
        <a href="/vote">Back to the vote</a>
      </p>
    </Layout>
  );
}
