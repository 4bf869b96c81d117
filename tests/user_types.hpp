// User types the value tests store: a struct with strings and vectors, a
// nested one, and one without a type_name annotation.
#pragma once

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sasync::test {

struct address {
  std::string street;
  std::vector<std::int32_t> numbers;
  friend bool operator==(const address& x, const address& y) {
    return x.street == y.street && x.numbers == y.numbers;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, address& x) {
  return f(caf::meta::type_name("test.address"), x.street, x.numbers);
}

struct person {
  std::string name;
  std::vector<std::string> tags;
  address home;
  std::map<std::string, double> scores;
  friend bool operator==(const person& x, const person& y) {
    return x.name == y.name && x.tags == y.tags && x.home == y.home &&
           x.scores == y.scores;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, person& x) {
  return f(caf::meta::type_name("test.person"), x.name, x.tags, x.home,
           x.scores);
}

/// A type nesting others.
struct team {
  std::string title;
  std::vector<person> members;
  std::map<std::string, std::vector<std::int64_t>> rota;
  friend bool operator==(const team& x, const team& y) {
    return x.title == y.title && x.members == y.members && x.rota == y.rota;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, team& x) {
  return f(caf::meta::type_name("test.team"), x.title, x.members, x.rota);
}

/// No type_name annotation: its C++ name is used.
struct unnamed {
  std::int64_t a = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unnamed& x) {
  return f(x.a);
}

inline person ada() {
  return {"Ada",
          {"math", "engines"},
          {"St James's Sq", {12, 14}},
          {{"analysis", 9.5}, {"poetry", 7.25}}};
}

inline team engine_team() {
  return {"analytical",
          {ada(), person{"Charles", {"gears"}, {"Dorset St", {1}}, {}}},
          {{"monday", {1, 2}}, {"tuesday", {}}}};
}

} // namespace sasync::test
