// The shop, one app for the three pages (npm install, script tag, prerendered + hydrated).
// Elements that Tailor's DOM rules change render one string child and carry
// suppressHydrationWarning: on a prerendered page the script tag may change them before React
// hydrates, and React then keeps the text that is in the page instead of reporting a mismatch.
import { useEffect, useState } from "react";
import { Link, Route, Routes } from "react-router";
import { useTailorSlot } from "tailor-sdk/react";

// State that changes every 200 ms, as a clock or a countdown does: the component re-renders its
// own text five times a second, and Tailor's change must stay in every frame.
function useTicks(ms) {
  const [ticks, setTicks] = useState(0); // 0 on the server and at hydration: the HTML agrees
  useEffect(() => {
    const id = setInterval(() => setTicks((t) => t + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return ticks;
}

// The hero as decided data: the component renders the payload itself (no DOM edit behind
// React's back); null means the default.
function HeroCard() {
  const hero = useTailorSlot("hero");
  return (
    <figure id="slot-hero" className="card" data-tailor-slot="hero">
      <img id="slot-hero-img" src={hero?.image ?? "/img/pets.svg"} alt="" width="320" height="80" />
      <figcaption id="slot-hero-caption">{hero?.caption ?? "Pets of every kind"}</figcaption>
    </figure>
  );
}

// The short form of the story: name and pet. Tailor reads it on submit (data-tailor-capture);
// React keeps the visitor on the page.
function PetForm() {
  const [saved, setSaved] = useState(false);
  return (
    <form id="pet-form" data-tailor-capture="" onSubmit={(e) => { e.preventDefault(); setSaved(true); }}>
      <input id="name" name="name" placeholder="Your name" autoComplete="given-name" />
      <select id="pet" name="pet" defaultValue="">
        <option value="">Your pet</option>
        <option value="cat">Cat</option>
        <option value="dog">Dog</option>
      </select>
      <button id="save" type="submit">Save</button>
      {saved ? <span id="saved"> Saved.</span> : null}
    </form>
  );
}

function Home({ cart, onAdd }) {
  const ticks = useTicks(200);
  const left = Math.max(0, 600 - 2 * ticks);
  return (
    <main>
      <h1 id="greeting" suppressHydrationWarning>Welcome!</h1>
      <p id="promo" suppressHydrationWarning>{`Sale ends in ${Math.floor(left / 10)}.${left % 10} s`}</p>
      <img id="hero" src="/img/pets.svg" alt="Our pets" width="320" height="80" suppressHydrationWarning />
      <p>
        <Link id="cta" className="cta" to="/cats" suppressHydrationWarning>
          {cart ? `Checkout (${cart})` : "Shop now"}
        </Link>{" "}
        <button id="add-to-cart" type="button" data-tailor-event="add_to_cart" onClick={onAdd}>Add to cart</button>
      </p>
      <HeroCard />
      <PetForm />
    </main>
  );
}

function Cats() {
  return (
    <main>
      <h1 id="page-title" suppressHydrationWarning>Cats</h1>
      <p id="cats-intro">Toys, food and beds for cats.</p>
      <HeroCard />
    </main>
  );
}

export function App({ install }) {
  const [cart, setCart] = useState(0);
  return (
    <div className="app">
      <header>
        <nav>
          <Link id="nav-home" to="/">Home</Link> · <Link id="nav-cats" to="/cats">Cats</Link>
        </nav>
        <p id="banner" suppressHydrationWarning>Our shop</p>
        <span id="cart-count">{`Cart: ${cart}`}</span>
      </header>
      <Routes>
        <Route path="/" element={<Home cart={cart} onAdd={() => setCart((c) => c + 1)} />} />
        <Route path="/cats" element={<Cats />} />
      </Routes>
      <footer id="install">{install}</footer>
    </div>
  );
}

export const hydratedInstall = "Prerendered, hydrated with hydrateRoot; Tailor by script tag";
