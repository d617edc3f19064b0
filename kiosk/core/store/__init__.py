"""The kiosk's SQLite store: connection, migrations, transactions, the outbox and the
records (repositories). All SQL lives here. Never imports Kivy; never touches the network.
"""
