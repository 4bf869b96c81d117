# The Debian package: `cpack -G DEB` in a build directory makes one .deb
# with the library, its headers and CMake package, sasyncd, sasync, the
# example configs and the systemd unit. Runtime Depends come from
# dpkg-shlibdeps on the programs; the -dev packages below are what the
# installed CMake package finds when a project links sasync::sasync.
install(FILES config/sasyncd.ini config/sasyncd-postgresql.ini
              config/example.ini
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sasync)
# /usr/lib/systemd/system with the package's /usr prefix (Debian 12 reads
# units there).
install(FILES config/sasyncd.service DESTINATION lib/systemd/system)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sasync)
set(CPACK_PACKAGE_VENDOR "sasync")
set(CPACK_PACKAGE_CONTACT "sasync developers <sasync@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "asynchronous actor-based persistence for C++ on CAF (sasyncd, sasync)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/deb/strip_archives.cmake)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libcaf-dev (>= 0.17.6), libpqxx-dev (>= 6.4), libsqlitecpp-dev, libsqlite3-dev, libpq-dev, libspdlog-dev, libfmt-dev, libssl-dev, pkg-config")
# postinst puts the default config at /etc/sasync/sasyncd.ini, where the
# unit reads it, unless one is there.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/deb/postinst)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
