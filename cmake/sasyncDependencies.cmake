# Finds what sasync links against, in-tree and for an installed package.
# Every dependency is a Debian 12 package.
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED) # CAF's TLS module between nodes
find_package(SQLiteCpp REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::PQXX)
  pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
endif()
# libpq itself: engine URLs are read by PQconninfoParse.
if(NOT TARGET PkgConfig::PQ)
  pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
endif()
