// Uses the installed headers and library: a broker on an in-memory database.
#include <sasync/actors/broker.hpp>
#include <sasync/actors/system_config.hpp>
#include <sasync/actors/transact.hpp>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <iostream>

int main() {
  sasync::system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  sasync::broker_config bc;
  bc.engine = sasync::engine_config::parse("sqlite:///:memory:");
  auto db = sasync::spawn_broker(sys, bc);
  auto answer = sasync::transact(self, db, [](sasync::connection& c) {
    return c.execute("SELECT 6 * 7").rows.at(0).at(0).as_integer();
  });
  self->request(db, caf::infinite, sasync::shutdown_atom::value)
      .receive([] {}, [](caf::error&) {});
  if (!answer || *answer != 42) {
    std::cerr << "consumer: wrong answer\n";
    return 1;
  }
  std::cout << "consumer: 42\n";
  return 0;
}
