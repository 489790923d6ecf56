from serialtrack.entrypoints.cli import main

main()
