# Runs the program made of README.md's examples against one database and
# compares what it prints with the README's `// prints:` lines.
#   -DPROGRAM=... -DEXPECTED=... -DWORK_DIR=... -DBACKEND=sqlite|postgresql
#   [-DPG_TABLES="a, b"]  tables dropped before and after (PostgreSQL)
# PostgreSQL: SASYNC_PG_URL, or the local test database.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

if(BACKEND STREQUAL "sqlite")
  set(url "sqlite:///app.db")
elseif(BACKEND STREQUAL "postgresql")
  set(url "postgresql://sasync:sasync@127.0.0.1:5432/sasync_test")
  if(DEFINED ENV{SASYNC_PG_URL})
    set(url "$ENV{SASYNC_PG_URL}")
  endif()
else()
  message(FATAL_ERROR "BACKEND must be sqlite or postgresql, not '${BACKEND}'")
endif()

# The examples expect fresh tables: an id of 1, one item in their group.
function(drop_tables)
  if(NOT BACKEND STREQUAL "postgresql" OR NOT PG_TABLES)
    return()
  endif()
  string(REGEX REPLACE "\\?.*$" "" libpq_url "${url}")  # sasync's own options
  execute_process(COMMAND psql -qX "${libpq_url}" -v ON_ERROR_STOP=1
                          -c "DROP TABLE IF EXISTS ${PG_TABLES}"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cannot drop ${PG_TABLES}: ${err}")
  endif()
endfunction()

drop_tables()
execute_process(COMMAND ${PROGRAM} ${url}
                WORKING_DIRECTORY ${WORK_DIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 60)
drop_tables()

file(READ ${EXPECTED} expected)
message("--- printed (${BACKEND}):\n${out}--- stderr:\n${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the README's examples exited with ${rc}")
endif()
if(NOT out STREQUAL expected)
  message("--- expected (the README's `// prints:` lines):\n${expected}---")
  message(FATAL_ERROR "the README's examples printed other lines")
endif()
