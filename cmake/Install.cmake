# Install rules (docs/packaging.md): `cmake --install build --prefix DIR` lays out what the
# Debian packages ship, in three components: server, client, tools. Test binaries
# (cassiopeia-server-test, cassiopeia-client-test, cass-line-emulator, test_*) and keys/ (test
# material only) are never installed.
include(GNUInstallDirs)

# systemd's folders, relative to the prefix unless absolute; debian/rules passes Debian 12's
# /lib/systemd/system (the units must sit where dh_installsystemd and systemd look).
set(CASSIOPEIA_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING "systemd system unit folder")

set(cass_sysconf "${CMAKE_INSTALL_SYSCONFDIR}/cassiopeia")
set(cass_server_conf "${PROJECT_SOURCE_DIR}/cassiopeia-server/conf")
set(cass_client_conf "${PROJECT_SOURCE_DIR}/cassiopeia-client/conf")

# The programs.
install(TARGETS cassiopeia-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
install(TARGETS cassiopeia-client RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT client)
install(TARGETS cassiopeia-record RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT tools)

# Configuration under /etc/cassiopeia (the paths the example configs and the units name). The
# files that may name key paths or hold a WebDB password get 0640; the package's postinst gives
# them the daemon's group (docs/packaging.md).
set(cass_private_conf PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${cass_server_conf}/server.conf DESTINATION ${cass_sysconf}
        ${cass_private_conf} COMPONENT server)
install(FILES ${cass_server_conf}/log4cplus.properties DESTINATION ${cass_sysconf}
        RENAME server-log.properties COMPONENT server)
install(DIRECTORY ${cass_server_conf}/profiles/ DESTINATION ${cass_sysconf}/profiles
        COMPONENT server FILES_MATCHING PATTERN "*.conf")
install(FILES ${cass_client_conf}/client.conf DESTINATION ${cass_sysconf}
        ${cass_private_conf} COMPONENT client)
install(FILES ${cass_client_conf}/log4cplus.properties DESTINATION ${cass_sysconf}
        RENAME client-log.properties COMPONENT client)

# The units.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/cassiopeia-server.service
        DESTINATION ${CASSIOPEIA_SYSTEMD_UNITDIR} COMPONENT server)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/cassiopeia-client.service
        DESTINATION ${CASSIOPEIA_SYSTEMD_UNITDIR} COMPONENT client)

# The WebDB migrations, for a DBA who reads or applies them by hand (the client carries them
# compiled in: `cassiopeia-client migrate`).
file(GLOB cass_sql_files ${PROJECT_SOURCE_DIR}/sql/[0-9][0-9][0-9]_*.sql)
install(FILES ${cass_sql_files} DESTINATION ${CMAKE_INSTALL_DATADIR}/cassiopeia/sql
        COMPONENT client)

# Manual pages (docs/man/, roff).
set(cass_man ${PROJECT_SOURCE_DIR}/docs/man)
install(FILES ${cass_man}/cassiopeia-server.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT server)
install(FILES ${cass_man}/cassiopeia-server.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5
        COMPONENT server)
install(FILES ${cass_man}/cassiopeia-client.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT client)
install(FILES ${cass_man}/cassiopeia-client.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5
        COMPONENT client)
install(FILES ${cass_man}/cassiopeia-record.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT tools)

# Documentation: the operator's documents go with both daemons (they cite each other); the
# developers' house style and benchmark stay in the source tree. The WebDB's guide goes with
# the client.
set(cass_docs README.md docs/architecture.md docs/conventions.md docs/crl.md docs/hsm.md
    docs/key-ceremony.md docs/openpgp.md docs/operations.md docs/profiles.md docs/protocol.md
    docs/reliability.md docs/repository.md docs/threat-model.md docs/packaging.md)
list(TRANSFORM cass_docs PREPEND ${PROJECT_SOURCE_DIR}/)
foreach(component server client)
  install(FILES ${cass_docs} DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cassiopeia-${component}
          COMPONENT ${component})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/sql/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cassiopeia-client RENAME webdb.md
        COMPONENT client)
