"""The stock pages of the staff workspace: levels and notices, products, receiving a lot
(from a scanned barcode), a lot's moves and changes, and the recall of a lot.

Every member sees stock; admins and practitioners change it (others get 403 for a POST
and see no forms). Which patients received a lot is clinical: the recall page and its CSV
are for admins and practitioners only, and every read of them is an access event.
"""
