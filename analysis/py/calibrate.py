# gilsim calibration: to be written
