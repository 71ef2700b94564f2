"""What shoppers tell us after delivery: ratings, comments, and the call-backs they ask for."""
