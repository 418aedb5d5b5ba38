// A React 19 app with the security settings on a page of their own, which the person can leave and come back to.
import "../../record.js";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
