// Uses the installed headers and library: a broker on an in-memory database,
// a transaction, and the README's items example with a user type.
#include <sasync/actors/broker.hpp>
#include <sasync/actors/client.hpp>
#include <sasync/actors/system_config.hpp>
#include <sasync/actors/transact.hpp>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <iostream>

struct point {
  std::int64_t x, y;
  std::string tag;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, point& p) {
  return f(caf::meta::type_name("point"), p.x, p.y, p.tag);
}

int main() {
  sasync::system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  sasync::broker_config bc;
  bc.engine = sasync::engine_config::parse("sqlite:///:memory:");
  auto db = sasync::spawn_broker(sys, bc);
  auto answer = sasync::transact(self, db, [](sasync::transaction_scope& c) {
    return c.execute("SELECT 6 * 7").rows.at(0).at(0).as_integer();
  });
  auto store = sasync::items_of(self, db, 7);
  auto stored = store && sasync::set(self, *store, "origin", point{3, 4, "o"});
  auto p = store ? sasync::get<point>(self, *store, "origin")
                 : caf::expected<std::optional<point>>{store.error()};
  auto n = store ? sasync::get<point>(self, *store, "nowhere")
                 : caf::expected<std::optional<point>>{store.error()};
  self->request(db, caf::infinite, sasync::shutdown_atom::value)
      .receive([] {}, [](caf::error&) {});
  if (!answer || *answer != 42) {
    std::cerr << "consumer: wrong answer\n";
    return 1;
  }
  if (!stored || !p || !*p || (*p)->y != 4 || !n || *n) {
    std::cerr << "consumer: items round trip failed\n";
    return 1;
  }
  std::cout << "consumer: 42, point (3, 4)\n";
  return 0;
}
